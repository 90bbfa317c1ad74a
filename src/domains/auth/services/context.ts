import type { Clock } from '../../../clock.ts'
import type { Db } from '../../../db/database.ts'
import type { InitialGrants } from '../../permissions/grants.ts'
import { createPermissionRepository, type PermissionRepository } from '../../permissions/repository.ts'
import { type AccessTokenRepository, createAccessTokenRepository } from '../repositories/access-tokens.ts'
import { type ChallengeRepository, createChallengeRepository } from '../repositories/challenges.ts'
import { type CredentialRepository, createCredentialRepository } from '../repositories/credentials.ts'
import { createOrgRepository, type OrgRepository } from '../repositories/orgs.ts'
import { createUserActionRepository, type UserActionRepository } from '../repositories/user-actions.ts'
import { createUserRepository, type UserRepository } from '../repositories/users.ts'
import type { RelyingParty } from './credential-verifier.ts'
import type { TokenService } from './token-service.ts'

/** The repositories of the auth domain over one connection (or one transaction). */
export interface AuthRepositories {
  orgs: OrgRepository
  users: UserRepository
  tokens: AccessTokenRepository
  credentials: CredentialRepository
  challenges: ChallengeRepository
  userActions: UserActionRepository
  permissions: PermissionRepository
}

export function authRepositories(db: Db): AuthRepositories {
  return {
    orgs: createOrgRepository(db),
    users: createUserRepository(db),
    tokens: createAccessTokenRepository(db),
    credentials: createCredentialRepository(db),
    challenges: createChallengeRepository(db),
    userActions: createUserActionRepository(db),
    permissions: createPermissionRepository(db),
  }
}

/** What every auth service is given. */
export interface AuthContext {
  db: Db
  repos: AuthRepositories
  clock: Clock
  tokens: TokenService
  /** Passkeys are bound to this relying party (the host of the public URL). */
  rp: RelyingParty
  /** What a new service account or PAT may be given (the permissions domain's rule). */
  grants: InitialGrants
}

/** Run `work` in a transaction with repositories bound to it. Keep crypto and network out of it. */
export function inTransaction<T>(
  ctx: AuthContext,
  work: (repos: AuthRepositories) => Promise<T>,
): Promise<T> {
  return ctx.db.transaction().execute((trx) => work(authRepositories(trx)))
}
