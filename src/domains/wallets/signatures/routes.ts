import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import { callerOf } from '../../../http/context.ts'
import { KeyParams, PageQuery, WalletParams } from '../shared-schemas.ts'
import {
  KeySignatureParams,
  SignatureList,
  SignatureRequestBody,
  SignatureRequestView,
  WalletSignatureParams,
} from './schemas.ts'
import type { SignatureService } from './service.ts'

const tags = ['signatures']

/** The same requests under both URLs: a wallet's (its key, its network) and a bare key's. */
export function registerSignatureRoutes(fastify: FastifyInstance, signatures: SignatureService): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  app.post(
    '/wallets/:walletId/signatures',
    {
      schema: {
        tags,
        params: WalletParams,
        body: SignatureRequestBody,
        response: { 200: SignatureRequestView },
      },
    },
    async (request) => signatures.createForWallet(callerOf(request), request.params.walletId, request.body),
  )
  app.get(
    '/wallets/:walletId/signatures',
    { schema: { tags, params: WalletParams, querystring: PageQuery, response: { 200: SignatureList } } },
    async (request) => signatures.listForWallet(callerOf(request), request.params.walletId, request.query),
  )
  app.get(
    '/wallets/:walletId/signatures/:signatureId',
    { schema: { tags, params: WalletSignatureParams, response: { 200: SignatureRequestView } } },
    async (request) =>
      signatures.getForWallet(callerOf(request), request.params.walletId, request.params.signatureId),
  )
  app.post(
    '/keys/:keyId/signatures',
    {
      schema: {
        tags,
        params: KeyParams,
        body: SignatureRequestBody,
        response: { 200: SignatureRequestView },
      },
    },
    async (request) => signatures.createForKey(callerOf(request), request.params.keyId, request.body),
  )
  app.get(
    '/keys/:keyId/signatures',
    { schema: { tags, params: KeyParams, querystring: PageQuery, response: { 200: SignatureList } } },
    async (request) => signatures.listForKey(callerOf(request), request.params.keyId, request.query),
  )
  app.get(
    '/keys/:keyId/signatures/:signatureId',
    { schema: { tags, params: KeySignatureParams, response: { 200: SignatureRequestView } } },
    async (request) =>
      signatures.getForKey(callerOf(request), request.params.keyId, request.params.signatureId),
  )
}
