import type { Db } from '../../db/database.ts'
import { isUniqueViolation } from '../../db/database.ts'
import { AppError } from '../../errors.ts'
import { newId } from '../../ids.ts'

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

export interface PermissionRepository {
  createPermission(input: {
    orgId: string
    name: string
    operations: readonly string[]
    isImmutable?: boolean
    now: Date
  }): Promise<Permission>
  findPermission(orgId: string, permissionId: string): Promise<Permission | undefined>
  assign(input: {
    orgId: string
    permissionId: string
    identityId: string
    isImmutable?: boolean
    now: Date
  }): Promise<Assignment>
  /** Every assignment of these identities, with the permission's name and operations. */
  assignmentsOf(identityIds: readonly string[]): Promise<Map<string, AssignmentSummary[]>>
  /** The operations an identity holds: the union over its assignments of non-archived permissions. */
  operationsOf(identityId: string): Promise<Set<string>>
}

type PermissionRow = {
  id: string
  org_id: string
  name: string
  operations: string
  is_immutable: number
  is_archived: number
  date_created: string
  date_updated: string
}

function toPermission(row: PermissionRow): Permission {
  return {
    id: row.id,
    orgId: row.org_id,
    name: row.name,
    operations: JSON.parse(row.operations) as string[],
    status: 'Active',
    isImmutable: row.is_immutable === 1,
    isArchived: row.is_archived === 1,
    dateCreated: row.date_created,
    dateUpdated: row.date_updated,
  }
}

export function createPermissionRepository(db: Db): PermissionRepository {
  return {
    async createPermission({ orgId, name, operations, isImmutable = false, now }) {
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
        await db.insertInto('permissions').values(row).execute()
      } catch (err) {
        if (isUniqueViolation(err)) {
          throw new AppError('conflict', `A permission named ${JSON.stringify(name)} already exists.`, {
            details: { name },
          })
        }
        throw err
      }
      return toPermission(row)
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

    async assign({ orgId, permissionId, identityId, isImmutable = false, now }) {
      const row = {
        id: newId('assignment', now.getTime()),
        org_id: orgId,
        permission_id: permissionId,
        identity_id: identityId,
        is_immutable: isImmutable ? 1 : 0,
        date_created: now.toISOString(),
        date_updated: now.toISOString(),
      }
      try {
        await db.insertInto('permission_assignments').values(row).execute()
      } catch (err) {
        if (isUniqueViolation(err)) {
          throw new AppError('conflict', `Permission ${permissionId} is already assigned to ${identityId}.`, {
            details: { permissionId, identityId },
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
      const rows = await db
        .selectFrom('permission_assignments as a')
        .innerJoin('permissions as p', 'p.id', 'a.permission_id')
        .select('p.operations')
        .where('a.identity_id', '=', identityId)
        .where('p.is_archived', '=', 0)
        .execute()
      const ops = new Set<string>()
      for (const row of rows) for (const op of JSON.parse(row.operations) as string[]) ops.add(op)
      return ops
    },
  }
}
