import type { FastifyInstance } from 'fastify'
import type { Clock } from '../../clock.ts'
import type { Config } from '../../config.ts'
import type { SecretBox } from '../../custody/secret-box.ts'
import type { Db } from '../../db/database.ts'
import type { Caller } from '../../http/context.ts'
import type { RouteAuth } from '../../http/route-table.ts'
import type { Mailer } from '../../mail/index.ts'
import { createInitialGrants, type InitialGrants } from '../permissions/grants.ts'
import { permissionOperationSource } from '../permissions/service.ts'
import { createSigningKeyRepository } from './repositories/signing-keys.ts'
import { registerAuthRoutes } from './routes/index.ts'
import { authenticate } from './services/authentication.ts'
import { type BootstrapResult, bootstrapOrg } from './services/bootstrap.ts'
import { type AuthContext, authRepositories } from './services/context.ts'
import { OidcProviders } from './services/oidc.ts'
import { purgeExpiredAuthState } from './services/open-limits.ts'
import { TokenService } from './services/token-service.ts'
import { consumeUserAction } from './services/user-actions.ts'

export { createSigningKeyRepository } from './repositories/signing-keys.ts'
export type { BootstrapResult } from './services/bootstrap.ts'
export { resealSigningKeys } from './services/token-service.ts'

/**
 * The auth module: its service (what the rest of walletd asks of auth: the hooks' verifiers,
 * bootstrap, the sweep, and the context other domains read users and tokens through) and its routes.
 */
export interface AuthModule {
  readonly service: AuthService
  registerRoutes(app: FastifyInstance): void
}

/** What the rest of walletd asks of the auth domain. */
export interface AuthService {
  readonly context: AuthContext
  authenticate(authorization: string | undefined, mode: Exclude<RouteAuth, 'none'>): Promise<Caller>
  verifyUserAction(
    caller: Caller,
    request: { header: string | undefined; method: string; url: string; rawBody: string | undefined },
  ): Promise<void>
  bootstrapOrg(options?: Parameters<typeof bootstrapOrg>[1]): Promise<BootstrapResult>
  /** Delete expired challenges, unused userAction tokens, temporary tokens and codes (the sweep). */
  purgeExpired(): Promise<{ challenges: number; userActions: number; tokens: number; codes: number }>
}

export function createAuthModule(deps: {
  db: Db
  clock: Clock
  secrets: SecretBox
  /** During a master-key rotation, the previous key (see resealSigningKeys). */
  previousSecrets?: SecretBox
  config: Pick<Config, 'region' | 'publicUrl'> & Partial<Pick<Config, 'oidcProviders'>>
  /**
   * The grant rule with the policy engine's change gate (the app passes it). Without it (CLI,
   * benchmarks) grants are decided on the caller's permissions alone, with no policies.
   */
  grants?: InitialGrants
  /** Sends the registration codes (and the login and recovery codes). */
  mailer: Mailer
}): AuthModule {
  const tokens = new TokenService({
    keys: createSigningKeyRepository(deps.db),
    secrets: deps.secrets,
    previousSecrets: deps.previousSecrets,
    clock: deps.clock,
    region: deps.config.region,
    publicUrl: deps.config.publicUrl,
  })
  const repos = authRepositories(deps.db)
  const context: AuthContext = {
    db: deps.db,
    repos,
    clock: deps.clock,
    tokens,
    rp: { id: new URL(deps.config.publicUrl).hostname },
    grants:
      deps.grants ??
      createInitialGrants({
        repository: repos.permissions,
        operations: permissionOperationSource(repos.permissions),
        now: () => deps.clock.now(),
      }),
    mailer: deps.mailer,
    oidc: new OidcProviders(deps.config.oidcProviders ?? [], deps.clock),
  }
  const service: AuthService = {
    context,
    authenticate: (authorization, mode) => authenticate(context, authorization, mode),
    verifyUserAction: async (caller, request) => {
      await consumeUserAction(context, caller, request)
    },
    bootstrapOrg: (options) => bootstrapOrg(context, options),
    purgeExpired: () => purgeExpiredAuthState(context),
  }
  return { service, registerRoutes: (app) => registerAuthRoutes(app, context) }
}
