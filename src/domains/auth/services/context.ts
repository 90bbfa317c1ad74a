import type { Clock } from '../../../clock.ts'
import type { Db } from '../../../db/database.ts'
import type { Caller } from '../../../http/context.ts'
import type { Mailer } from '../../../mail/index.ts'
import {
  createPermissionRepository,
  type InitialGrants,
  type PermissionRepository,
} from '../../permissions/index.ts'
import type { WalletView } from '../../wallets/index.ts'
import { type AccessTokenRepository, createAccessTokenRepository } from '../repositories/access-tokens.ts'
import { type ChallengeRepository, createChallengeRepository } from '../repositories/challenges.ts'
import { type CodeRepository, createCodeRepository } from '../repositories/codes.ts'
import { type CredentialRepository, createCredentialRepository } from '../repositories/credentials.ts'
import { createOidcIdentityRepository, type OidcIdentityRepository } from '../repositories/oidc-identities.ts'
import { createOrgRepository, type OrgRepository } from '../repositories/orgs.ts'
import {
  createUserActionChallengeRepository,
  type UserActionChallengeRepository,
} from '../repositories/user-action-challenges.ts'
import { createUserActionRepository, type UserActionRepository } from '../repositories/user-actions.ts'
import { createUserRepository, type UserRepository } from '../repositories/users.ts'
import type { RelyingParty } from './credential-verifier.ts'
import type { OidcProviders } from './oidc.ts'
import type { TokenService } from './token-service.ts'

/** The repositories of the auth domain over one connection (or one transaction). */
export interface AuthRepositories {
  orgs: OrgRepository
  users: UserRepository
  tokens: AccessTokenRepository
  credentials: CredentialRepository
  challenges: ChallengeRepository
  userActions: UserActionRepository
  userActionChallenges: UserActionChallengeRepository
  permissions: PermissionRepository
  codes: CodeRepository
  oidcIdentities: OidcIdentityRepository
}

export function authRepositories(db: Db): AuthRepositories {
  return {
    orgs: createOrgRepository(db),
    users: createUserRepository(db),
    tokens: createAccessTokenRepository(db),
    credentials: createCredentialRepository(db),
    challenges: createChallengeRepository(db),
    userActions: createUserActionRepository(db),
    userActionChallenges: createUserActionChallengeRepository(db),
    permissions: createPermissionRepository(db),
    codes: createCodeRepository(db),
    oidcIdentities: createOidcIdentityRepository(db),
  }
}

/**
 * What the auth services are built from (`createAuthServices`); each takes the part it uses (see
 * `AuthDeps`). Other domains read users and tokens through it (`AuthService.context`).
 */
export interface AuthContext {
  db: Db
  repos: AuthRepositories
  clock: Clock
  tokens: TokenService
  /** Passkeys are bound to this relying party (the host of the public URL). */
  rp: RelyingParty
  /** What a new service account or PAT may be given (the permissions domain's rule). */
  grants: InitialGrants
  mailer: Mailer
  /** The OpenID Connect issuers the operator trusts (social login, single sign-on). */
  oidc: OidcProviders
  /**
   * The wallets domain, as end-user registration with `wallets` uses it. Set by the app once the
   * wallets domain exists; without it (CLI) such a registration is a 501.
   */
  endUserWallets?: EndUserWallets
}

/**
 * The part of the context one service uses: some repositories, some other members. Services are
 * given the context object itself (narrowed by this type), so what the app sets on it after the
 * module is built (`endUserWallets`) is seen at call time.
 */
export type AuthDeps<
  R extends keyof AuthRepositories,
  K extends Exclude<keyof AuthContext, 'repos'> = never,
> = { readonly repos: Pick<AuthRepositories, R> } & Pick<AuthContext, K>

/** Creates the wallets an end user asks for at registration, delegated to that end user. */
export interface EndUserWallets {
  /** Refuse (400 naming the field) what cannot be created, before anything is written. */
  check(wallets: readonly { network: string; name?: string | undefined }[]): void
  /** Create them, each delegated to `endUser` (the registration's caller). */
  create(
    endUser: Caller,
    wallets: readonly { network: string; name?: string | undefined }[],
  ): Promise<WalletView[]>
}
