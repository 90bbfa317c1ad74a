import type { FastifyInstance } from 'fastify'
import type { Caller } from './context.ts'
import type { RouteAuth } from './route-table.ts'

/**
 * Step 3 of the pipeline: on every route whose rule says `token` (or `registration`, the
 * temporary token of registration), establish `request.caller` from the Authorization header or
 * answer 401. Runs in onRequest, before the body is read, so an unauthenticated request costs no
 * parsing. Later onRequest hooks (the per-org rate limit) can rely on `request.caller`.
 */
export type Authenticator = (
  authorization: string | undefined,
  mode: Exclude<RouteAuth, 'none'>,
) => Promise<Caller>

export function installAuthentication(app: FastifyInstance, authenticate: Authenticator): void {
  app.addHook('onRequest', async (request) => {
    const mode = request.routeRule?.auth
    if (!mode || mode === 'none') return
    request.caller = await authenticate(request.headers.authorization, mode)
  })
}
