import type { FastifyInstance } from 'fastify'
import type { Caller } from './context.ts'

/**
 * Step 5 of the pipeline: routes whose rule has `userAction: true` need an unused
 * `x-dfns-useraction` bound to this caller, method, path and exact body (403 when missing or
 * invalid, 400 when already used; see src/domains/auth/README.md). Runs in preValidation: the body
 * has been read (request.rawBody holds the exact bytes) but not yet validated, and the permission
 * guard comes after it.
 */
export type UserActionVerifier = (
  caller: Caller,
  request: { header: string | undefined; method: string; url: string; rawBody: string | undefined },
) => Promise<void>

export function installUserActionCheck(app: FastifyInstance, verify: UserActionVerifier): void {
  app.addHook('preValidation', async (request) => {
    if (!request.routeRule?.userAction || !request.caller) return
    const header = request.headers['x-dfns-useraction']
    await verify(request.caller, {
      header: Array.isArray(header) ? header[0] : header,
      method: request.method,
      url: request.url,
      rawBody: request.rawBody,
    })
  })
}
