import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import { callerOf } from '../../../http/context.ts'
import { AppView, params } from '../schemas.ts'
import type { AuthServices } from '../services/index.ts'
import { tags, typed } from './shared.ts'

/** Applications are read-only: one default ServerSideApplication per org, made at bootstrap. */
export function registerAppRoutes(fastify: FastifyInstance, { apps }: Pick<AuthServices, 'apps'>): void {
  const app = typed(fastify)
  app.get(
    '/auth/apps',
    { schema: { tags, response: { 200: Type.Object({ items: Type.Array(AppView) }) } } },
    async (request) => apps.listApps(callerOf(request)),
  )
  app.get(
    '/auth/apps/:appId',
    { schema: { tags, params: params.appId, response: { 200: AppView } } },
    async (request) => apps.getApp(callerOf(request), request.params.appId),
  )
}
