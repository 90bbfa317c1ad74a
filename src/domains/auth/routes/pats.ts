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
import type { AuthContext } from '../services/context.ts'
import { createPat, getPat, listPats, setPatState, updatePat } from '../services/pats.ts'
import { sendCreated, tags, typed } from './shared.ts'

export function registerPatRoutes(fastify: FastifyInstance, ctx: AuthContext): void {
  const app = typed(fastify)
  app.post(
    '/auth/pats',
    {
      schema: { tags, body: CreatePatBody, response: { 200: AccessTokenView, 202: AccessTokenPendingView } },
    },
    async (request, reply) => sendCreated(reply, await createPat(ctx, callerOf(request), request.body)),
  )
  app.get(
    '/auth/pats',
    { schema: { tags, response: { 200: Type.Object({ items: Type.Array(AccessTokenView) }) } } },
    async (request) => listPats(ctx, callerOf(request)),
  )
  app.get(
    '/auth/pats/:tokenId',
    { schema: { tags, params: params.tokenId, response: { 200: AccessTokenView } } },
    async (request) => getPat(ctx, callerOf(request), request.params.tokenId),
  )
  app.put(
    '/auth/pats/:tokenId',
    { schema: { tags, params: params.tokenId, body: UpdateTokenBody, response: { 200: AccessTokenView } } },
    async (request) => updatePat(ctx, callerOf(request), request.params.tokenId, request.body),
  )
  for (const change of ['activate', 'deactivate'] as const) {
    app.put(
      `/auth/pats/:tokenId/${change}`,
      { schema: { tags, params: params.tokenId, response: { 200: AccessTokenView } } },
      async (request) => setPatState(ctx, callerOf(request), request.params.tokenId, change),
    )
  }
  app.delete(
    '/auth/pats/:tokenId',
    { schema: { tags, params: params.tokenId, response: { 200: AccessTokenView } } },
    async (request) => setPatState(ctx, callerOf(request), request.params.tokenId, 'archive'),
  )
}
