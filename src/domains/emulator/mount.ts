import { createHash, timingSafeEqual } from 'node:crypto'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { AppError } from '../../errors.ts'
import { OPERATOR_GUARDED } from '../../http/route-table.ts'

export const EMULATOR_PREFIX = '/emulator'

/**
 * A function that adds routes to the emulator's context. Paths are relative to `/emulator`
 * (`scope.post('/faucet', …)` serves `POST /emulator/faucet`); each must be listed in
 * `emulatorRoutes` (src/http/route-table.ts). Every route of the scope is behind the operator token.
 */
export type EmulatorRoutes = (scope: FastifyInstance) => void | Promise<void>

/**
 * An onRequest hook that admits only `Authorization: Bearer <operator token>`. Both sides are
 * hashed before the comparison, so it takes the same time whatever the length or content of what
 * was sent. An org's access token is not an operator token: it gets the same 401.
 */
export function operatorGuard(token: string) {
  const expected = createHash('sha256').update(token, 'utf8').digest()
  return async (request: FastifyRequest): Promise<void> => {
    const header = request.headers.authorization ?? ''
    const presented = header.startsWith('Bearer ') ? header.slice('Bearer '.length) : ''
    const digest = createHash('sha256').update(presented, 'utf8').digest()
    if (!presented || !timingSafeEqual(digest, expected)) {
      throw new AppError(
        'unauthorized',
        'The emulator controls need the operator token: Authorization: Bearer <operator token>.',
      )
    }
  }
}

/**
 * Mount the `/emulator/…` context: encapsulated, so its guard runs on its routes only and the Dfns
 * API pipeline (org tokens, rate limits, user actions) never runs on them. Called only in the
 * development profile; in production the routes do not exist and answer 404 like any unknown path.
 */
export async function mountEmulator(
  app: FastifyInstance,
  options: { token: string; routes: readonly EmulatorRoutes[] },
): Promise<void> {
  await app.register(
    async (scope) => {
      scope.decorate(OPERATOR_GUARDED, true)
      scope.addHook('onRequest', operatorGuard(options.token))
      for (const add of options.routes) await add(scope)
    },
    { prefix: EMULATOR_PREFIX },
  )
}
