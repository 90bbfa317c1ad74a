import type { FastifyInstance } from 'fastify'
import type { Clock } from '../../clock.ts'
import type { Config } from '../../config.ts'
import type { SecretBox } from '../../custody/secret-box.ts'
import type { Db } from '../../db/database.ts'
import type { Caller } from '../../http/context.ts'
import type { RouteAuth } from '../../http/route-table.ts'
import type { Mailer } from '../../mail/index.ts'
import { createInitialGrants, type InitialGrants, permissionOperationSource } from '../permissions/index.ts'
import { createSigningKeyRepository } from './repositories/signing-keys.ts'
import { registerAuthRoutes } from './routes/index.ts'
import type { BootstrapResult, BootstrapService } from './services/bootstrap.ts'
import { type AuthContext, authRepositories } from './services/context.ts'
import { type AuthServices, createAuthServices } from './services/index.ts'
import { OidcProviders } from './services/oidc.ts'
import { TokenService } from './services/token-service.ts'

/*
 * The service interface other domains use; nothing else of this folder is imported from outside it.
 * - `createAuthModule` below, and for the CLI the signing keys (`createSigningKeyRepository`,
 *   `resealSigningKeys`).
 * - `AccessTokenRepository`, `UserRepository`: the identities a permission assignment names (the
 *   permissions domain looks them up).
 * - `AuthServices` (built once, `service.services`), `Credential`, `parsePublicKey`,
 *   `newAccessToken`, `tokenKeyCredential`, `newServiceAccountUser`, `newPerson`: for the
 *   emulator's seed, which creates service accounts, users and their credentials with fixed keys
 *   through the same constructors and services the auth routes use (so a seeded identity is like
 *   any other).
 */
export type { Credential } from './model.ts'
export type { AccessTokenRepository } from './repositories/access-tokens.ts'
export { createSigningKeyRepository } from './repositories/signing-keys.ts'
export type { UserRepository } from './repositories/users.ts'
export type { BootstrapResult } from './services/bootstrap.ts'
export { parsePublicKey } from './services/credential-verifier.ts'
export type { AuthServices } from './services/index.ts'
export { newAccessToken, tokenKeyCredential } from './services/issuance.ts'
export { newServiceAccountUser } from './services/service-accounts.ts'
export { resealSigningKeys } from './services/token-service.ts'
export { newPerson } from './services/users.ts'

/**
 * The auth module: its service (what the rest of walletd asks of auth: the hooks' verifiers,
 * bootstrap, the sweep, the context other domains read users and tokens through, and the built
 * services) and its routes.
 */
export interface AuthModule {
  readonly service: AuthService
  registerRoutes(app: FastifyInstance): void
}

/** What the rest of walletd asks of the auth domain. */
export interface AuthService {
  readonly context: AuthContext
  /** The auth services, built once (the emulator seed creates users and signs tokens with them). */
  readonly services: AuthServices
  authenticate(authorization: string | undefined, mode: Exclude<RouteAuth, 'none'>): Promise<Caller>
  verifyUserAction(
    caller: Caller,
    request: { header: string | undefined; method: string; url: string; rawBody: string | undefined },
  ): Promise<void>
  bootstrapOrg(options?: Parameters<BootstrapService['bootstrapOrg']>[0]): Promise<BootstrapResult>
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
  const services = createAuthServices(context)
  const service: AuthService = {
    context,
    services,
    authenticate: services.authentication.authenticate,
    verifyUserAction: async (caller, request) => {
      await services.userActions.consumeUserAction(caller, request)
    },
    bootstrapOrg: services.bootstrap.bootstrapOrg,
    purgeExpired: services.openLimits.purgeExpiredAuthState,
  }
  return { service, registerRoutes: (app) => registerAuthRoutes(app, services) }
}
