import type { Kysely } from 'kysely'
import type { Db } from '../../db/database.ts'
import { isUniqueViolation } from '../../db/database.ts'
import { changingOrgStamp } from '../../db/org-stamps.ts'
import type { Database } from '../../db/schema.ts'
import { AppError } from '../../errors.ts'
import { newId } from '../../ids.ts'
import { currentOperations, normalizeOperations } from './operations.ts'
import { duplicateName, toAssignment, toPermission } from './rows.ts'

/**
 * The permission data model: permissions ("roles", a named set of operations) and their
 * assignments to identities (a user or service-account `us-…` id, or a PAT `to-…` id).
 * Auth uses it to seed `DfnsFullAdminAccess` and to show `permissionAssignments`; the permissions
 * routes and the guard build on it. Pass a transaction as `db` to take part in one.
 */
export interface Permission {
  id: string
  orgId: string
  name: string
  operations: string[]
  status: 'Active'
  isImmutable: boolean
  isArchived: boolean
  dateCreated: string
  dateUpdated: string
}

export interface Assignment {
  id: string
  orgId: string
  permissionId: string
  identityId: string
  isImmutable: boolean
  dateCreated: string
  dateUpdated: string
}

/** An assignment with the permission it grants, as users, service accounts and PATs show it. */
export interface AssignmentSummary {
  permissionName: string
  permissionId: string
  assignmentId: string
  operations: string[]
}

export const FULL_ADMIN_PERMISSION = 'DfnsFullAdminAccess'
export const DEFAULT_END_USER_PERMISSION = 'DfnsDefaultEndUserAccess'

/**
 * What `DfnsDefaultEndUserAccess` grants when an org is created (inferred: the reference names the
 * permission, not its operations): an end user works with wallets, which the wallets domain
 * restricts to the ones delegated to that end user whatever the permission says.
 */
export const defaultEndUserOperations = [
  'Wallets:Read',
  'Wallets:Transfers:Create',
  'Wallets:Transfers:Read',
  'Wallets:Transactions:Create',
  'Wallets:Transactions:Read',
  'Keys:Read',
  'Keys:Signatures:Create',
  'Keys:Signatures:Read',
] as const

/** A page of rows ordered by id (ids sort by creation time): `after` is the last id already seen. */
export interface PageQuery {
  after?: string | undefined
  limit: number
}

export interface PermissionChange {
  name?: string
  operations?: readonly string[]
  isArchived?: boolean
}

export interface PermissionRepository {
  createPermission(
    input: {
      orgId: string
      name: string
      operations: readonly string[]
      isImmutable?: boolean
      now: Date
    },
    trx?: Db,
  ): Promise<Permission>
  findPermission(orgId: string, permissionId: string): Promise<Permission | undefined>
  /** Archived permissions included: their names stay taken. */
  findPermissionByName(orgId: string, name: string, trx?: Db): Promise<Permission | undefined>
  listPermissions(orgId: string, page: PageQuery): Promise<Permission[]>
  /** Apply a change; a name another permission of the org holds (archived included) → 409. */
  updatePermission(
    orgId: string,
    permissionId: string,
    change: PermissionChange,
    now: Date,
  ): Promise<Permission | undefined>
  /** `id` lets an approved change request create the assignment under the id it announced. */
  assign(
    input: {
      orgId: string
      permissionId: string
      identityId: string
      isImmutable?: boolean
      id?: string
      now: Date
    },
    trx?: Db,
  ): Promise<Assignment>
  findAssignment(orgId: string, assignmentId: string): Promise<Assignment | undefined>
  findAssignmentOf(orgId: string, permissionId: string, identityId: string): Promise<Assignment | undefined>
  listAssignments(orgId: string, permissionId: string, page: PageQuery): Promise<Assignment[]>
  /** Hard delete; false when there was nothing to delete. */
  deleteAssignment(orgId: string, assignmentId: string): Promise<boolean>
  /** Every assignment of these identities, with the permission's name and operations. */
  assignmentsOf(identityIds: readonly string[]): Promise<Map<string, AssignmentSummary[]>>
  /**
   * The current-name operations each identity holds: the union over its assignments of
   * non-archived permissions, legacy names normalized. The immutable DfnsFullAdminAccess grants
   * every current operation, including ones added to the catalog after it was created.
   */
  operationsOf(identityId: string): Promise<Set<string>>
  operationsOfMany(identityIds: readonly string[]): Promise<Map<string, Set<string>>>
  /** The non-archived permissions assigned to these identities, each with the operations it grants. */
  grantedPermissionsOf(identityIds: readonly string[]): Promise<GrantedPermission[]>
}

export interface GrantedPermission {
  readonly identityId: string
  readonly permissionId: string
  /** Current operation names, as operationsOf counts them. */
  readonly operations: readonly string[]
}

export function createPermissionRepository(db: Db): PermissionRepository {
  /**
   * A change to what some identity holds commits together with a new permissions stamp for the
   * org (`Caller.permissionsVersion`): a node that cached operations under the old stamp sees the
   * new one with the next request's token and reads again.
   */
  const changingOperations = <T>(
    orgId: string,
    change: (trx: Kysely<Database>) => Promise<T>,
    on: Kysely<Database> = db,
  ) => changingOrgStamp(orgId, 'permissions_version', change, on)
  const grantedPermissionsOf = async (identityIds: readonly string[]): Promise<GrantedPermission[]> => {
    if (identityIds.length === 0) return []
    const rows = await db
      .selectFrom('permission_assignments as a')
      .innerJoin('permissions as p', 'p.id', 'a.permission_id')
      .select(['a.identity_id', 'p.id', 'p.name', 'p.is_immutable', 'p.operations'])
      .where('a.identity_id', 'in', [...identityIds])
      .where('p.is_archived', '=', 0)
      .execute()
    return rows.map((row) => ({
      identityId: row.identity_id,
      permissionId: row.id,
      operations:
        row.is_immutable === 1 && row.name === FULL_ADMIN_PERMISSION
          ? currentOperations
          : normalizeOperations(JSON.parse(row.operations) as string[]),
    }))
  }
  const operationsOfMany = async (identityIds: readonly string[]): Promise<Map<string, Set<string>>> => {
    const out = new Map<string, Set<string>>(identityIds.map((id) => [id, new Set<string>()]))
    for (const granted of await grantedPermissionsOf(identityIds)) {
      const held = out.get(granted.identityId)
      if (!held) continue
      for (const op of granted.operations) held.add(op)
    }
    return out
  }

  return {
    async createPermission({ orgId, name, operations, isImmutable = false, now }, trx = db) {
      const row = {
        id: newId('permission', now.getTime()),
        org_id: orgId,
        name,
        operations: JSON.stringify([...operations]),
        status: 'Active',
        is_immutable: isImmutable ? 1 : 0,
        is_archived: 0,
        date_created: now.toISOString(),
        date_updated: now.toISOString(),
      }
      try {
        await trx.insertInto('permissions').values(row).execute()
      } catch (err) {
        if (isUniqueViolation(err)) throw duplicateName(name)
        throw err
      }
      return toPermission(row)
    },

    async findPermissionByName(orgId, name, trx = db) {
      const row = await trx
        .selectFrom('permissions')
        .selectAll()
        .where('org_id', '=', orgId)
        .where('name', '=', name)
        .executeTakeFirst()
      return row ? toPermission(row) : undefined
    },

    async listPermissions(orgId, { after, limit }) {
      let query = db.selectFrom('permissions').selectAll().where('org_id', '=', orgId)
      if (after) query = query.where('id', '>', after)
      const rows = await query.orderBy('id').limit(limit).execute()
      return rows.map(toPermission)
    },

    async updatePermission(orgId, permissionId, change, now) {
      const patch: { name?: string; operations?: string; is_archived?: number; date_updated: string } = {
        date_updated: now.toISOString(),
      }
      if (change.name !== undefined) patch.name = change.name
      if (change.operations !== undefined) patch.operations = JSON.stringify([...change.operations])
      if (change.isArchived !== undefined) patch.is_archived = change.isArchived ? 1 : 0
      try {
        await changingOperations(orgId, (trx) =>
          trx
            .updateTable('permissions')
            .set(patch)
            .where('org_id', '=', orgId)
            .where('id', '=', permissionId)
            .execute(),
        )
      } catch (err) {
        if (isUniqueViolation(err) && change.name !== undefined) throw duplicateName(change.name)
        throw err
      }
      const row = await db
        .selectFrom('permissions')
        .selectAll()
        .where('org_id', '=', orgId)
        .where('id', '=', permissionId)
        .executeTakeFirst()
      return row ? toPermission(row) : undefined
    },

    async findAssignment(orgId, assignmentId) {
      const row = await db
        .selectFrom('permission_assignments')
        .selectAll()
        .where('org_id', '=', orgId)
        .where('id', '=', assignmentId)
        .executeTakeFirst()
      return row ? toAssignment(row) : undefined
    },

    async findAssignmentOf(orgId, permissionId, identityId) {
      const row = await db
        .selectFrom('permission_assignments')
        .selectAll()
        .where('org_id', '=', orgId)
        .where('permission_id', '=', permissionId)
        .where('identity_id', '=', identityId)
        .executeTakeFirst()
      return row ? toAssignment(row) : undefined
    },

    async listAssignments(orgId, permissionId, { after, limit }) {
      let query = db
        .selectFrom('permission_assignments')
        .selectAll()
        .where('org_id', '=', orgId)
        .where('permission_id', '=', permissionId)
      if (after) query = query.where('id', '>', after)
      const rows = await query.orderBy('id').limit(limit).execute()
      return rows.map(toAssignment)
    },

    async deleteAssignment(orgId, assignmentId) {
      const result = await changingOperations(orgId, (trx) =>
        trx
          .deleteFrom('permission_assignments')
          .where('org_id', '=', orgId)
          .where('id', '=', assignmentId)
          .executeTakeFirst(),
      )
      return Number(result.numDeletedRows) > 0
    },

    async findPermission(orgId, permissionId) {
      const row = await db
        .selectFrom('permissions')
        .selectAll()
        .where('org_id', '=', orgId)
        .where('id', '=', permissionId)
        .executeTakeFirst()
      return row ? toPermission(row) : undefined
    },

    async assign({ orgId, permissionId, identityId, isImmutable = false, id, now }, trx = db) {
      const row = {
        id: id ?? newId('assignment', now.getTime()),
        org_id: orgId,
        permission_id: permissionId,
        identity_id: identityId,
        is_immutable: isImmutable ? 1 : 0,
        date_created: now.toISOString(),
        date_updated: now.toISOString(),
      }
      try {
        await changingOperations(
          orgId,
          (t) => t.insertInto('permission_assignments').values(row).execute(),
          trx,
        )
      } catch (err) {
        if (isUniqueViolation(err)) {
          throw new AppError('conflict', `Permission ${permissionId} is already assigned to ${identityId}.`, {
            details: { existingAssignment: { permissionId, identityId } },
          })
        }
        throw err
      }
      return {
        id: row.id,
        orgId,
        permissionId,
        identityId,
        isImmutable,
        dateCreated: row.date_created,
        dateUpdated: row.date_updated,
      }
    },

    async assignmentsOf(identityIds) {
      const out = new Map<string, AssignmentSummary[]>(identityIds.map((id) => [id, []]))
      if (identityIds.length === 0) return out
      const rows = await db
        .selectFrom('permission_assignments as a')
        .innerJoin('permissions as p', 'p.id', 'a.permission_id')
        .select(['a.id as assignment_id', 'a.identity_id', 'p.id as permission_id', 'p.name', 'p.operations'])
        .where('a.identity_id', 'in', [...identityIds])
        .orderBy('a.id')
        .execute()
      for (const row of rows) {
        out.get(row.identity_id)?.push({
          permissionName: row.name,
          permissionId: row.permission_id,
          assignmentId: row.assignment_id,
          operations: JSON.parse(row.operations) as string[],
        })
      }
      return out
    },

    async operationsOf(identityId) {
      return (await operationsOfMany([identityId])).get(identityId) ?? new Set()
    },

    operationsOfMany,
    grantedPermissionsOf,
  }
}
