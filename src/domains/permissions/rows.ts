/** Permission and assignment rows ⇄ the records of repository.ts. */
import { AppError } from '../../errors.ts'
import type { Assignment, Permission } from './repository.ts'

export type PermissionRow = {
  id: string
  org_id: string
  name: string
  operations: string
  is_immutable: number
  is_archived: number
  date_created: string
  date_updated: string
}

export type AssignmentRow = {
  id: string
  org_id: string
  permission_id: string
  identity_id: string
  is_immutable: number
  date_created: string
  date_updated: string
}

export function toAssignment(row: AssignmentRow): Assignment {
  return {
    id: row.id,
    orgId: row.org_id,
    permissionId: row.permission_id,
    identityId: row.identity_id,
    isImmutable: row.is_immutable === 1,
    dateCreated: row.date_created,
    dateUpdated: row.date_updated,
  }
}

export const duplicateName = (name: string) =>
  new AppError('conflict', `A permission named ${JSON.stringify(name)} already exists.`, {
    details: { name },
  })

export function toPermission(row: PermissionRow): Permission {
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
