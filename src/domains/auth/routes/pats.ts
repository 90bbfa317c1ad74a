import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import { callerOf } from '../../../http/context.ts'
import {
  AccessTokenPendingView,
  AccessTokenView,
  CreatePatBody,
  params,
  UpdateTokenBody,
} from '../schemas.ts'
import type { AuthServices } from '../services/index.ts'
import { sendCreated, tags, typed } from './shared.ts'

export function registerPatRoutes(fastify: FastifyInstance, { pats }: Pick<AuthServices, 'pats'>): void {
  const app = typed(fastify)
  app.post(
    '/auth/pats',
    {
      schema: { tags, body: CreatePatBody, response: { 200: AccessTokenView, 202: AccessTokenPendingView } },
    },
    async (request, reply) => sendCreated(reply, await pats.createPat(callerOf(request), request.body)),
  )
  app.get(
    '/auth/pats',
    { schema: { tags, response: { 200: Type.Object({ items: Type.Array(AccessTokenView) }) } } },
    async (request) => pats.listPats(callerOf(request)),
  )
  app.get(
    '/auth/pats/:tokenId',
    { schema: { tags, params: params.tokenId, response: { 200: AccessTokenView } } },
    async (request) => pats.getPat(callerOf(request), request.params.tokenId),
  )
  app.put(
    '/auth/pats/:tokenId',
    { schema: { tags, params: params.tokenId, body: UpdateTokenBody, response: { 200: AccessTokenView } } },
    async (request) => pats.updatePat(callerOf(request), request.params.tokenId, request.body),
  )
  for (const change of ['activate', 'deactivate'] as const) {
    app.put(
      `/auth/pats/:tokenId/${change}`,
      { schema: { tags, params: params.tokenId, response: { 200: AccessTokenView } } },
      async (request) => pats.setPatState(callerOf(request), request.params.tokenId, change),
    )
  }
  app.delete(
    '/auth/pats/:tokenId',
    { schema: { tags, params: params.tokenId, response: { 200: AccessTokenView } } },
    async (request) => pats.setPatState(callerOf(request), request.params.tokenId, 'archive'),
  )
}
