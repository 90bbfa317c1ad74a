/**
 * The permissions module: /permissions and its assignments, the operation source the permission
 * guard (and any domain with a body-dependent operation) asks, and the rule for what a new
 * identity is granted at creation. One repository serves all three.
 */
import type { FastifyInstance } from 'fastify'
import type { Clock } from '../../clock.ts'
import type { Db } from '../../db/database.ts'
import type { OperationSource } from '../../http/permission-guard.ts'
import { createInitialGrants, type InitialGrants, type PermissionChangeGate } from './grants.ts'
import { createPermissionRepository } from './repository.ts'
import { registerPermissionRoutes } from './routes.ts'
import {
  createPermissionsService,
  type PermissionsService,
  type PermissionsServiceDeps,
  permissionOperationSource,
} from './service.ts'

/*
 * The service interface other domains use; nothing else of this folder is imported from outside it.
 * - `createInitialGrants`, `InitialGrant(s)`: the creation-time grant rule (`grants`), for the auth
 *   domain that writes identities; `permissionOperationSource` builds the `operations` source.
 * - The repository and the built-in permissions (`FULL_ADMIN_PERMISSION` holds every one of
 *   `currentOperations`, `DEFAULT_END_USER_PERMISSION` holds `defaultEndUserOperations`): the auth
 *   domain writes a new org's built-in permissions and a new identity's assignments in the
 *   transaction that creates them, and shows an identity's assignments; the emulator's seed
 *   checks permission names.
 * - `ChangeRequestView`, `OperationName`: schemas other domains answer or validate with.
 */
export {
  createInitialGrants,
  type InitialGrant,
  type InitialGrants,
  type PermissionChangeGate,
} from './grants.ts'
export { currentOperations } from './operations.ts'
export {
  type AssignmentSummary,
  createPermissionRepository,
  DEFAULT_END_USER_PERMISSION,
  defaultEndUserOperations,
  FULL_ADMIN_PERMISSION,
  type PermissionRepository,
} from './repository.ts'
export { ChangeRequestView, OperationName } from './schemas.ts'
export { type PermissionsService, permissionOperationSource } from './service.ts'

export interface PermissionsModule {
  readonly service: PermissionsService
  /** What a caller holds; the permission guard's source (cached per org permissions stamp). */
  readonly operations: OperationSource & { clearCache(): void }
  /** What a new service account or PAT receives (asked by the auth domain before it writes one). */
  readonly grants: InitialGrants
  registerRoutes(app: FastifyInstance): void
}

export function createPermissionsModule(deps: {
  db: Db
  clock: Clock
  /** The identities an assignment names (the auth domain's users and tokens). */
  users: PermissionsServiceDeps['users']
  tokens: PermissionsServiceDeps['tokens']
  /** The policy engine's change gate; without it every change applies at once. */
  changes?: PermissionChangeGate
}): PermissionsModule {
  const repository = createPermissionRepository(deps.db)
  const operations = permissionOperationSource(repository)
  const service = createPermissionsService({
    repository,
    users: deps.users,
    tokens: deps.tokens,
    clock: deps.clock,
    ...(deps.changes ? { changes: deps.changes } : {}),
  })
  const grants = createInitialGrants({
    repository,
    operations,
    ...(deps.changes ? { changes: deps.changes } : {}),
    now: () => deps.clock.now(),
  })
  return { service, operations, grants, registerRoutes: (app) => registerPermissionRoutes(app, service) }
}
