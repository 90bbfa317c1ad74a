import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import { callerOf } from '../../../http/context.ts'
import { KeyParams, OwnerPageQuery } from '../shared-schemas.ts'
import {
  CreateKeyBody,
  DelegateKeyBody,
  DelegateKeyResponse,
  ExportBody,
  ExportResponse,
  ImportKeyBody,
  KeyDetailView,
  KeyList,
  KeyView,
  SignersView,
  UpdateKeyBody,
} from './schemas.ts'
import type { KeyService } from './service.ts'

const tags = ['keys']

export function registerKeyRoutes(fastify: FastifyInstance, keys: KeyService): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  app.post('/keys', { schema: { tags, body: CreateKeyBody, response: { 200: KeyView } } }, async (request) =>
    keys.create(callerOf(request), request.body),
  )
  app.get(
    '/keys',
    { schema: { tags, querystring: OwnerPageQuery, response: { 200: KeyList } } },
    async (request) => keys.list(callerOf(request), request.query),
  )
  app.get(
    '/keys/:keyId',
    { schema: { tags, params: KeyParams, response: { 200: KeyDetailView } } },
    async (request) => keys.get(callerOf(request), request.params.keyId),
  )
  app.put(
    '/keys/:keyId',
    { schema: { tags, params: KeyParams, body: UpdateKeyBody, response: { 200: KeyView } } },
    async (request) => keys.update(callerOf(request), request.params.keyId, request.body),
  )
  app.delete(
    '/keys/:keyId',
    { schema: { tags, params: KeyParams, response: { 200: KeyView } } },
    async (request) => keys.remove(callerOf(request), request.params.keyId),
  )
  app.post(
    '/keys/:keyId/delegate',
    { schema: { tags, params: KeyParams, body: DelegateKeyBody, response: { 200: DelegateKeyResponse } } },
    async (request) => keys.delegate(callerOf(request), request.params.keyId, request.body.delegateTo),
  )
  app.post(
    '/keys/:keyId/export',
    {
      config: { planFeature: 'walletExport' },
      schema: { tags, params: KeyParams, body: ExportBody, response: { 200: ExportResponse } },
    },
    async (request) => {
      const caller = callerOf(request)
      return keys.export(caller, await keys.requireKey(caller, request.params.keyId), request.body)
    },
  )
  app.post(
    '/keys/import',
    {
      config: { planFeature: 'walletImport' },
      schema: { tags, body: ImportKeyBody, response: { 200: KeyView } },
    },
    async (request) => keys.import(callerOf(request), request.body),
  )
  app.get('/signers', { schema: { tags: ['signers'], response: { 200: SignersView } } }, async () =>
    keys.signers(),
  )
}
