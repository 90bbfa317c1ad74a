import type { FastifyInstance } from 'fastify'
import type { AuthServices } from '../services/index.ts'
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

export function registerAuthRoutes(app: FastifyInstance, services: AuthServices): void {
  registerLoginRoutes(app, services)
  registerRegistrationRoutes(app, services)
  registerRecoveryRoutes(app, services)
  registerSocialRoutes(app, services)
  registerActionRoutes(app, services)
  registerUserRoutes(app, services)
  registerServiceAccountRoutes(app, services)
  registerPatRoutes(app, services)
  registerCredentialRoutes(app, services)
  registerCredentialCodeRoutes(app, services)
  registerAppRoutes(app, services)
  registerJwksRoute(app, services)
}
