import type { FastifyInstance } from 'fastify'
import type { AuthContext } from '../services/context.ts'
import { registerActionRoutes } from './actions.ts'
import { registerAppRoutes } from './apps.ts'
import { registerCredentialCodeRoutes } from './credential-codes.ts'
import { registerCredentialRoutes } from './credentials.ts'
import { registerJwksRoute } from './jwks.ts'
import { registerLoginRoutes } from './login.ts'
import { registerPatRoutes } from './pats.ts'
import { registerRecoveryRoutes } from './recovery.ts'
import { registerRegistrationRoutes } from './registration.ts'
import { registerServiceAccountRoutes } from './service-accounts.ts'
import { registerSocialRoutes } from './social.ts'
import { registerUserRoutes } from './users.ts'

export function registerAuthRoutes(app: FastifyInstance, ctx: AuthContext): void {
  registerLoginRoutes(app, ctx)
  registerRegistrationRoutes(app, ctx)
  registerRecoveryRoutes(app, ctx)
  registerSocialRoutes(app, ctx)
  registerActionRoutes(app, ctx)
  registerUserRoutes(app, ctx)
  registerServiceAccountRoutes(app, ctx)
  registerPatRoutes(app, ctx)
  registerCredentialRoutes(app, ctx)
  registerCredentialCodeRoutes(app, ctx)
  registerAppRoutes(app, ctx)
  registerJwksRoute(app, ctx)
}
