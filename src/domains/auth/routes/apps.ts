import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import { AppError } from '../../../errors.ts'
import { callerOf } from '../../../http/context.ts'
import { AppView, params } from '../schemas.ts'
import type { AuthContext } from '../services/context.ts'
import { appView } from '../services/views.ts'
import { tags, typed } from './shared.ts'

/** Applications are read-only: one default ServerSideApplication per org, made at bootstrap. */
export function registerAppRoutes(fastify: FastifyInstance, ctx: AuthContext): void {
  const app = typed(fastify)
  app.get(
    '/auth/apps',
    { schema: { tags, response: { 200: Type.Object({ items: Type.Array(AppView) }) } } },
    async (request) => ({ items: (await ctx.repos.orgs.listApps(callerOf(request).orgId)).map(appView) }),
  )
  app.get(
    '/auth/apps/:appId',
    { schema: { tags, params: params.appId, response: { 200: AppView } } },
    async (request) => {
      const { orgId } = callerOf(request)
      const found = await ctx.repos.orgs.findApp(orgId, request.params.appId)
      if (!found) {
        throw new AppError('not_found', `app ${request.params.appId} not found`, {
          details: { appId: request.params.appId, orgId },
        })
      }
      return appView(found)
    },
  )
}
