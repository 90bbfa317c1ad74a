import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import { callerOf } from '../../../http/context.ts'
import { WalletParams } from '../shared-schemas.ts'
import { Asset, HistoryItem, HistoryQuery, Nft, OrgHistoryItem, OrgHistoryQuery, opt, S } from './schemas.ts'
import type { HistoryService } from './service.ts'

const tags = ['wallets']
export function registerHistoryRoutes(fastify: FastifyInstance, history: HistoryService): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  app.get(
    '/wallets/:walletId/history',
    {
      schema: {
        tags,
        params: WalletParams,
        querystring: HistoryQuery,
        response: {
          200: Type.Object({
            walletId: S,
            network: S,
            items: Type.Array(HistoryItem),
            nextPageToken: opt(S),
          }),
        },
      },
    },
    async (request) => history.walletHistory(callerOf(request), request.params.walletId, request.query),
  )
  app.get(
    '/wallets/all/history',
    {
      schema: {
        tags,
        querystring: OrgHistoryQuery,
        response: {
          200: Type.Object({ orgId: S, items: Type.Array(OrgHistoryItem), nextPageToken: opt(S) }),
        },
      },
    },
    async (request) => history.orgHistory(callerOf(request), request.query),
  )
  app.get(
    '/wallets/:walletId/assets',
    {
      schema: {
        tags,
        params: WalletParams,
        querystring: Type.Object({
          netWorth: opt(Type.Union([Type.Literal('true'), Type.Literal('false')])),
        }),
        response: {
          200: Type.Object({
            walletId: S,
            network: S,
            assets: Type.Array(Asset),
            netWorth: opt(Type.Record(S, Type.Number())),
          }),
        },
      },
    },
    async (request) =>
      history.assets(callerOf(request), request.params.walletId, request.query.netWorth === 'true'),
  )
  app.get(
    '/wallets/:walletId/nfts',
    {
      schema: {
        tags,
        params: WalletParams,
        response: { 200: Type.Object({ walletId: S, network: S, nfts: Type.Array(Nft) }) },
      },
    },
    async (request) => history.nfts(callerOf(request), request.params.walletId),
  )
}
