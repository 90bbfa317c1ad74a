/**
 * Permissions ("roles") and assignments: the rules behind /permissions, and the operation source
 * the permission guard asks on every request.
 *
 * Decisions where the reference says (inferred):
 * - Immutable permissions and assignments (DfnsFullAdminAccess and its bootstrap assignment)
 *   cannot be updated, archived, un-archived or revoked: 403, since no body would make it allowed.
 * - Archived permissions grant nothing and cannot be assigned (422) or updated (422); un-archiving
 *   is the one change they accept. Their names stay taken (409).
 * - An identity is a user or service-account id (`us-…`) or a PAT id (`to-…`) of the caller's org;
 *   anything else, another org's id included, is a 404. An archived identity is a 422.
 * - A PAT holds the intersection of its own assignments and its user's: a PAT never does more
 *   than its user can, even when it was given a broader permission.
 * - Operations keep the names they were created with; the guard checks their current-name meaning.
 * - `?force=true` on revoke skips the Permissions:Assign policies, as the SDK documents.
 *
 * Updates, archives and assignment creates/deletes go through the policy engine's change gate
 * (src/domains/policies/change-requests.ts): a triggered Permissions:Modify / Permissions:Assign
 * policy turns them into a 202 change request, applied by the appliers registered here once
 * approved. Without a gate (no policies domain) every change applies at once.
 */
import type { Clock } from '../../clock.ts'
import { AppError, notFound } from '../../errors.ts'
import type { ChangeOutcome } from '../../http/change-reply.ts'
import type { Caller } from '../../http/context.ts'
import { newId } from '../../ids.ts'
import { cursorOf, pageOf } from '../../pagination.ts'
import type { AccessTokenRepository, UserRepository } from '../auth/index.ts'
import type { ChangeRequest } from '../policies/index.ts'
import { initiatorOf } from '../policies/index.ts'
import { gateAssignment, type PermissionChangeGate } from './grants.ts'
import type { Assignment, Permission, PermissionRepository } from './repository.ts'
import {
  type ArchivePermissionBody,
  type CreateAssignmentBody,
  type CreatePermissionBody,
  DEFAULT_PAGE_SIZE,
  type ListQuery,
  type UpdatePermissionBody,
} from './schemas.ts'

export type { PermissionChangeGate } from './grants.ts'

export interface PermissionsServiceDeps {
  readonly repository: PermissionRepository
  readonly users: Pick<UserRepository, 'find'>
  readonly tokens: Pick<AccessTokenRepository, 'find'>
  readonly clock: Clock
  readonly changes?: PermissionChangeGate
}

export type PermissionView = Omit<Permission, 'orgId'> & { pendingChangeRequest?: ChangeRequest }
export type AssignmentView = Omit<Assignment, 'orgId'> & { pendingChangeRequest?: ChangeRequest }

const permissionView = ({ orgId: _, ...p }: Permission): PermissionView => p
const assignmentView = ({ orgId: _, ...a }: Assignment): AssignmentView => a

function immutable(what: 'permission' | 'assignment', id: string): AppError {
  return new AppError('forbidden', `${what} ${id} is immutable and cannot be changed`, {
    details: { [`${what}Id`]: id, isImmutable: true },
  })
}

// The guard's operation source lives in operation-source.ts; the auth domain imports it from here.
export { permissionOperationSource } from './operation-source.ts'

export type PermissionsService = ReturnType<typeof createPermissionsService>

export function createPermissionsService(deps: PermissionsServiceDeps) {
  const { repository: repo, changes } = deps
  /** The change requests pending on a page of permissions or assignments, by entity id. */
  const pendingChanges = async (orgId: string, entities: readonly { id: string }[]) =>
    (await changes?.pendingForMany(
      orgId,
      entities.map((e) => e.id),
    )) ?? new Map<string, ChangeRequest>()

  async function permissionOf(orgId: string, permissionId: string): Promise<Permission> {
    const permission = await repo.findPermission(orgId, permissionId)
    if (!permission) throw notFound('permission', permissionId, { permissionId })
    return permission
  }

  async function assertIdentity(orgId: string, identityId: string): Promise<void> {
    const missing = () =>
      new AppError('not_found', `identity ${identityId} not found`, {
        details: { identityId, expected: 'a user, service account or personal access token id' },
      })
    let archived = false
    if (identityId.startsWith('us-')) {
      const user = await deps.users.find(orgId, identityId)
      if (!user) throw missing()
      archived = user.isArchived
    } else if (identityId.startsWith('to-')) {
      const token = await deps.tokens.find(orgId, identityId)
      // Service-account and login tokens act with their user's assignments: only PATs hold their own.
      if (token?.kind !== 'Pat') throw missing()
      archived = token.isArchived
    } else {
      throw missing()
    }
    if (archived) {
      throw new AppError('unprocessable', `identity ${identityId} is archived`, {
        details: { identityId },
      })
    }
  }

  async function assertNameFree(orgId: string, name: string, except?: string): Promise<void> {
    const holder = await repo.findPermissionByName(orgId, name)
    if (holder && holder.id !== except) {
      throw new AppError('conflict', `A permission named ${JSON.stringify(name)} already exists.`, {
        details: { name, permissionId: holder.id },
      })
    }
  }

  /** Run a Permission/Update through the change gate, then apply it if nothing holds it. */
  async function changePermission(
    caller: Caller,
    current: Permission,
    next: { name: string; operations: string[]; isArchived: boolean },
  ): Promise<Change<PermissionView>> {
    if (changes) {
      const submitted = await changes.submitChange({
        orgId: caller.orgId,
        initiator: initiatorOf(caller),
        kind: 'Permission',
        operationKind: 'Update',
        entityId: current.id,
        permissionId: current.id,
        body: {
          id: current.id,
          name: next.name,
          status: 'Active',
          operations: next.operations,
          isImmutable: current.isImmutable,
          isArchived: next.isArchived,
        },
      })
      if (submitted.outcome === 'Pending') return { kind: 'Pending', changeRequest: submitted.changeRequest }
    }
    const updated = await repo.updatePermission(caller.orgId, current.id, next, deps.clock.now())
    if (!updated) throw notFound('permission', current.id, { permissionId: current.id })
    return { kind: 'Applied', value: permissionView(updated) }
  }

  if (changes) {
    // Approved change requests land here. Both must be idempotent: an applier may run twice.
    changes.registerApplier('Permission', async (changeRequest, orgId) => {
      const body = changeRequest.body as { name: string; operations: string[]; isArchived: boolean }
      const current = await repo.findPermission(orgId, changeRequest.entityId)
      if (!current) throw new Error(`permission ${changeRequest.entityId} no longer exists`)
      await repo.updatePermission(
        orgId,
        current.id,
        { name: body.name, operations: body.operations, isArchived: body.isArchived },
        deps.clock.now(),
      )
    })
    changes.registerApplier('Assignment', async (changeRequest, orgId) => {
      const body = changeRequest.body as { id: string; permissionId: string; identityId: string }
      if (changeRequest.operationKind === 'Delete') {
        await repo.deleteAssignment(orgId, changeRequest.entityId)
        return
      }
      if (await repo.findAssignment(orgId, body.id)) return
      // An identity created with a permission awaiting approval: it must still exist (and not be
      // archived) when the approval lands.
      await assertIdentity(orgId, body.identityId)
      const permission = await repo.findPermission(orgId, body.permissionId)
      if (!permission || permission.isArchived) {
        throw new Error(`permission ${body.permissionId} can no longer be assigned`)
      }
      await repo.assign({
        orgId,
        id: body.id,
        permissionId: body.permissionId,
        identityId: body.identityId,
        now: deps.clock.now(),
      })
    })
  }

  return {
    async create(caller: Caller, body: CreatePermissionBody): Promise<PermissionView> {
      const operations = [...new Set(body.operations)]
      await assertNameFree(caller.orgId, body.name)
      const created = await repo.createPermission({
        orgId: caller.orgId,
        name: body.name,
        operations,
        now: deps.clock.now(),
      })
      return permissionView(created)
    },

    async get(orgId: string, permissionId: string): Promise<PermissionView> {
      const permission = permissionView(await permissionOf(orgId, permissionId))
      const pending = (await changes?.pendingForMany(orgId, [permissionId]))?.get(permissionId)
      return pending ? { ...permission, pendingChangeRequest: pending } : permission
    },

    async list(
      orgId: string,
      query: ListQuery,
    ): Promise<{ items: PermissionView[]; nextPageToken?: string }> {
      const limit = query.limit ?? DEFAULT_PAGE_SIZE
      const rows = await repo.listPermissions(orgId, {
        after: cursorOf(query.paginationToken),
        limit: limit + 1,
      })
      const page = pageOf(rows, limit)
      const pending = await pendingChanges(orgId, page.items)
      const items = page.items.map((p) => {
        const cr = pending.get(p.id)
        return cr ? { ...permissionView(p), pendingChangeRequest: cr } : permissionView(p)
      })
      return { ...page, items }
    },

    async update(
      caller: Caller,
      permissionId: string,
      body: UpdatePermissionBody,
    ): Promise<Change<PermissionView>> {
      const current = await permissionOf(caller.orgId, permissionId)
      if (current.isImmutable) throw immutable('permission', permissionId)
      if (current.isArchived) {
        throw new AppError('unprocessable', `permission ${permissionId} is archived and cannot be changed`, {
          details: { permissionId, isArchived: true },
        })
      }
      if (body.name !== undefined) await assertNameFree(caller.orgId, body.name, permissionId)
      return changePermission(caller, current, {
        name: body.name ?? current.name,
        operations: body.operations ? [...new Set(body.operations)] : current.operations,
        isArchived: false,
      })
    },

    async archive(
      caller: Caller,
      permissionId: string,
      body: ArchivePermissionBody,
    ): Promise<Change<PermissionView>> {
      const current = await permissionOf(caller.orgId, permissionId)
      if (current.isImmutable) throw immutable('permission', permissionId)
      return changePermission(caller, current, {
        name: current.name,
        operations: current.operations,
        isArchived: body.isArchived,
      })
    },

    async assign(
      caller: Caller,
      permissionId: string,
      body: CreateAssignmentBody,
    ): Promise<Change<AssignmentView>> {
      const permission = await permissionOf(caller.orgId, permissionId)
      if (permission.isArchived) {
        throw new AppError('unprocessable', `permission ${permissionId} is archived and cannot be assigned`, {
          details: { permissionId, isArchived: true },
        })
      }
      await assertIdentity(caller.orgId, body.identityId)
      const alreadyAssigned = (existing: Assignment) =>
        new AppError('conflict', `Permission ${permissionId} is already assigned to ${body.identityId}.`, {
          details: {
            existingAssignment: {
              id: existing.id,
              permissionId,
              identityId: body.identityId,
            },
          },
        })
      const existing = await repo.findAssignmentOf(caller.orgId, permissionId, body.identityId)
      if (existing) throw alreadyAssigned(existing)

      const now = deps.clock.now()
      const id = newId('assignment', now.getTime())
      const pending = await gateAssignment(changes, caller, { id, permissionId, identityId: body.identityId })
      if (pending) return { kind: 'Pending', changeRequest: pending }
      try {
        const created = await repo.assign({
          orgId: caller.orgId,
          id,
          permissionId,
          identityId: body.identityId,
          now,
        })
        return { kind: 'Applied', value: assignmentView(created) }
      } catch (err) {
        // Two concurrent assigns of the same pair: the loser learns which assignment won.
        const winner = await repo.findAssignmentOf(caller.orgId, permissionId, body.identityId)
        if (winner) throw alreadyAssigned(winner)
        throw err
      }
    },

    async listAssignments(
      orgId: string,
      permissionId: string,
      query: ListQuery,
    ): Promise<{ items: AssignmentView[]; nextPageToken?: string }> {
      await permissionOf(orgId, permissionId)
      const limit = query.limit ?? DEFAULT_PAGE_SIZE
      const rows = await repo.listAssignments(orgId, permissionId, {
        after: cursorOf(query.paginationToken),
        limit: limit + 1,
      })
      const page = pageOf(rows, limit)
      const pending = await pendingChanges(orgId, page.items)
      const items = page.items.map((a) => {
        const cr = pending.get(a.id)
        return cr ? { ...assignmentView(a), pendingChangeRequest: cr } : assignmentView(a)
      })
      return { ...page, items }
    },

    async revoke(
      caller: Caller,
      permissionId: string,
      assignmentId: string,
      options: { force: boolean },
    ): Promise<Change<null>> {
      await permissionOf(caller.orgId, permissionId)
      const assignment = await repo.findAssignment(caller.orgId, assignmentId)
      if (assignment?.permissionId !== permissionId) {
        throw notFound('assignment', assignmentId, { permissionId, assignmentId })
      }
      if (assignment.isImmutable) throw immutable('assignment', assignmentId)
      if (changes && !options.force) {
        const submitted = await changes.submitChange({
          orgId: caller.orgId,
          initiator: initiatorOf(caller),
          kind: 'Assignment',
          operationKind: 'Delete',
          entityId: assignmentId,
          permissionId,
          body: {
            id: assignment.id,
            permissionId,
            identityId: assignment.identityId,
            isImmutable: false,
          },
        })
        if (submitted.outcome === 'Pending')
          return { kind: 'Pending', changeRequest: submitted.changeRequest }
      }
      await repo.deleteAssignment(caller.orgId, assignmentId)
      return { kind: 'Applied', value: null }
    },
  }
}

/** A permission change: applied, or waiting for approval as a change request. */
type Change<T> = ChangeOutcome<T, ChangeRequest>
