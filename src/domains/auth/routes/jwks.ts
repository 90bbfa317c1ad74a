import type { FastifyInstance } from 'fastify'
import type { AuthContext } from '../services/context.ts'

/** The public key bearer tokens are signed with (an operational route: no auth, not in the API). */
export function registerJwksRoute(app: FastifyInstance, ctx: AuthContext): void {
  app.get('/.well-known/jwks.json', async () => ({
    keys: [await ctx.tokens.publicJwk()],
  }))
}
