import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import { callerOf } from '../../../http/context.ts'
import { PageQuery, WalletParams } from '../shared-schemas.ts'
import type { Replacements } from './replacements.ts'
import { TransferBody, TransferList, TransferParams, TransferView } from './schemas.ts'
import type { TransfersService } from './service.ts'

const tags = ['transfers']

export function registerTransferRoutes(
  fastify: FastifyInstance,
  transfers: TransfersService,
  replacements: Replacements,
): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  app.post(
    '/wallets/:walletId/transfers',
    { schema: { tags, params: WalletParams, body: TransferBody, response: { 200: TransferView } } },
    async (request) => transfers.create(callerOf(request), request.params.walletId, request.body),
  )
  app.get(
    '/wallets/:walletId/transfers',
    { schema: { tags, params: WalletParams, querystring: PageQuery, response: { 200: TransferList } } },
    async (request) => transfers.list(callerOf(request), request.params.walletId, request.query),
  )
  app.get(
    '/wallets/:walletId/transfers/:transferId',
    { schema: { tags, params: TransferParams, response: { 200: TransferView } } },
    async (request) => transfers.get(callerOf(request), request.params.walletId, request.params.transferId),
  )
  app.put(
    '/wallets/:walletId/transfers/:transferId/abort',
    { schema: { tags, params: TransferParams, response: { 200: TransferView } } },
    async (request) => transfers.abort(callerOf(request), request.params.walletId, request.params.transferId),
  )
  // Both answer the replacement: a transaction request (`tx-…`).
  app.post(
    '/wallets/:walletId/transfers/:transferId/cancel',
    { schema: { tags, params: TransferParams, response: { 200: TransferView } } },
    async (request) =>
      replacements.cancel(callerOf(request), request.params.walletId, request.params.transferId),
  )
  app.post(
    '/wallets/:walletId/transfers/:transferId/speed-up',
    { schema: { tags, params: TransferParams, response: { 200: TransferView } } },
    async (request) =>
      replacements.speedUp(callerOf(request), request.params.walletId, request.params.transferId),
  )
}
