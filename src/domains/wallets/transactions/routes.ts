import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import { callerOf } from '../../../http/context.ts'
import { PageQuery, WalletParams } from '../shared-schemas.ts'
import type { Replacements } from '../transfers/replacements.ts'
import { TransactionBody, TransactionList, TransactionParams, TransactionView } from './schemas.ts'
import type { TransactionsService } from './service.ts'

const tags = ['transactions']

export function registerTransactionRoutes(
  fastify: FastifyInstance,
  transactions: TransactionsService,
  replacements: Replacements,
): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  app.post(
    '/wallets/:walletId/transactions',
    { schema: { tags, params: WalletParams, body: TransactionBody, response: { 200: TransactionView } } },
    async (request) => transactions.create(callerOf(request), request.params.walletId, request.body),
  )
  app.get(
    '/wallets/:walletId/transactions',
    { schema: { tags, params: WalletParams, querystring: PageQuery, response: { 200: TransactionList } } },
    async (request) => transactions.list(callerOf(request), request.params.walletId, request.query),
  )
  const one = { schema: { tags, params: TransactionParams, response: { 200: TransactionView } } }
  app.get('/wallets/:walletId/transactions/:transactionId', one, async (request) =>
    transactions.get(callerOf(request), request.params.walletId, request.params.transactionId),
  )
  app.put('/wallets/:walletId/transactions/:transactionId/abort', one, async (request) =>
    transactions.abort(callerOf(request), request.params.walletId, request.params.transactionId),
  )
  app.post('/wallets/:walletId/transactions/:transactionId/cancel', one, async (request) =>
    replacements.cancel(callerOf(request), request.params.walletId, request.params.transactionId),
  )
  app.post('/wallets/:walletId/transactions/:transactionId/speed-up', one, async (request) =>
    replacements.speedUp(callerOf(request), request.params.walletId, request.params.transactionId),
  )
}
