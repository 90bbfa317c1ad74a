import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import { callerOf } from '../../http/context.ts'
import { ExportBody, ExportResponse } from './keys/schemas.ts'
import {
  CreateWalletBody,
  DelegateWalletBody,
  DelegateWalletResponse,
  ImportWalletBody,
  TagsBody,
  UpdateWalletBody,
  WalletList,
  WalletView,
} from './schemas.ts'
import type { WalletService } from './service.ts'
import { OwnerPageQuery, WalletParams } from './shared-schemas.ts'

const tags = ['wallets']
const Empty = Type.Object({})

export function registerWalletRoutes(fastify: FastifyInstance, wallets: WalletService): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  app.post(
    '/wallets',
    { schema: { tags, body: CreateWalletBody, response: { 200: WalletView } } },
    async (request) => wallets.create(callerOf(request), request.body),
  )
  app.get(
    '/wallets',
    { schema: { tags, querystring: OwnerPageQuery, response: { 200: WalletList } } },
    async (request) => wallets.list(callerOf(request), request.query),
  )
  app.get(
    '/wallets/:walletId',
    { schema: { tags, params: WalletParams, response: { 200: WalletView } } },
    async (request) => wallets.get(callerOf(request), request.params.walletId),
  )
  app.put(
    '/wallets/:walletId',
    { schema: { tags, params: WalletParams, body: UpdateWalletBody, response: { 200: WalletView } } },
    async (request) => wallets.update(callerOf(request), request.params.walletId, request.body),
  )
  app.put(
    '/wallets/:walletId/tags',
    { schema: { tags, params: WalletParams, body: TagsBody, response: { 200: Empty } } },
    async (request) => wallets.addTags(callerOf(request), request.params.walletId, request.body.tags),
  )
  app.delete(
    '/wallets/:walletId/tags',
    { schema: { tags, params: WalletParams, body: TagsBody, response: { 200: Empty } } },
    async (request) => wallets.removeTags(callerOf(request), request.params.walletId, request.body.tags),
  )
  app.post(
    '/wallets/:walletId/delegate',
    {
      schema: {
        tags,
        params: WalletParams,
        body: DelegateWalletBody,
        response: { 200: DelegateWalletResponse },
      },
    },
    async (request) => wallets.delegate(callerOf(request), request.params.walletId, request.body.userId),
  )
  app.post(
    '/wallets/:walletId/export',
    {
      config: { planFeature: 'walletExport' },
      schema: { tags, params: WalletParams, body: ExportBody, response: { 200: ExportResponse } },
    },
    async (request) => wallets.export(callerOf(request), request.params.walletId, request.body),
  )
  app.post(
    '/wallets/import',
    {
      config: { planFeature: 'walletImport' },
      schema: { tags, body: ImportWalletBody, response: { 200: WalletView } },
    },
    async (request) => wallets.import(callerOf(request), request.body),
  )
}
