import type { FastifyInstance } from 'fastify'
import type { AuthServices } from '../services/index.ts'

/** The public key bearer tokens are signed with (an operational route: no auth, not in the API). */
export function registerJwksRoute(app: FastifyInstance, { tokens }: Pick<AuthServices, 'tokens'>): void {
  app.get('/.well-known/jwks.json', async () => ({
    keys: [await tokens.publicJwk()],
  }))
}
