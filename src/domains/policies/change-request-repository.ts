/**
 * Change requests. `pending_key` is set while a request is Pending and cleared
 * when it resolves; a unique index on (org_id, pending_key) makes a second pending change to the
 * same entity a 409 even when two arrive at once.
 */
import type { Kysely, Selectable } from 'kysely'
import { isUniqueViolation } from '../../db/database.ts'
import type { Database } from '../../db/schema.ts'
import { AppError } from '../../errors.ts'
import type {
  ChangeOperationKind,
  ChangeRequest,
  ChangeRequestKind,
  ChangeRequestStatus,
  Requester,
} from './schemas.ts'

type Row = Selectable<Database['policy_change_requests']>

function toChangeRequest(row: Row): ChangeRequest {
  const cr: ChangeRequest = {
    id: row.id,
    kind: row.kind as ChangeRequestKind,
    operationKind: row.operation_kind as ChangeOperationKind,
    status: row.status as ChangeRequestStatus,
    requester: JSON.parse(row.requester) as Requester,
    entityId: row.entity_id,
    approvalId: row.approval_id,
    dateCreated: row.date_created,
    body: JSON.parse(row.body) as Record<string, unknown>,
  }
  if (row.date_resolved) cr.dateResolved = row.date_resolved
  return cr
}

export type ChangeRequestRepository = ReturnType<typeof createChangeRequestRepository>

export function createChangeRequestRepository(db: Kysely<Database>) {
  async function insertPending(
    orgId: string,
    changeRequest: ChangeRequest,
    pendingKey: string,
    trx: Kysely<Database> = db,
  ): Promise<void> {
    try {
      await trx
        .insertInto('policy_change_requests')
        .values({
          id: changeRequest.id,
          org_id: orgId,
          kind: changeRequest.kind,
          operation_kind: changeRequest.operationKind,
          entity_id: changeRequest.entityId,
          status: 'Pending',
          requester: JSON.stringify(changeRequest.requester),
          approval_id: changeRequest.approvalId,
          body: JSON.stringify(changeRequest.body),
          date_created: changeRequest.dateCreated,
          date_resolved: null,
          pending_key: pendingKey,
        })
        .execute()
    } catch (err) {
      if (isUniqueViolation(err)) throw pendingConflict(changeRequest.entityId)
      throw err
    }
  }

  async function isPending(orgId: string, pendingKey: string, trx: Kysely<Database> = db): Promise<boolean> {
    const row = await trx
      .selectFrom('policy_change_requests')
      .select('id')
      .where('org_id', '=', orgId)
      .where('pending_key', '=', pendingKey)
      .executeTakeFirst()
    return row !== undefined
  }

  async function get(orgId: string, id: string): Promise<ChangeRequest | undefined> {
    const row = await db
      .selectFrom('policy_change_requests')
      .selectAll()
      .where('org_id', '=', orgId)
      .where('id', '=', id)
      .executeTakeFirst()
    return row ? toChangeRequest(row) : undefined
  }

  async function byApproval(
    approvalId: string,
    trx: Kysely<Database> = db,
  ): Promise<ChangeRequest | undefined> {
    const row = await trx
      .selectFrom('policy_change_requests')
      .selectAll()
      .where('approval_id', '=', approvalId)
      .executeTakeFirst()
    return row ? toChangeRequest(row) : undefined
  }

  /** The change requests behind a page of approvals, in one query. */
  async function byApprovals(approvalIds: readonly string[]): Promise<Map<string, ChangeRequest>> {
    const out = new Map<string, ChangeRequest>()
    if (approvalIds.length === 0) return out
    const rows = await db
      .selectFrom('policy_change_requests')
      .selectAll()
      .where('approval_id', 'in', [...approvalIds])
      .execute()
    for (const row of rows) out.set(row.approval_id, toChangeRequest(row))
    return out
  }

  /** The pending change of each entity among `entityIds` (GET/list's `pendingChangeRequest`). */
  async function pendingFor(
    orgId: string,
    entityIds: readonly string[],
    trx: Kysely<Database> = db,
  ): Promise<Map<string, ChangeRequest>> {
    const out = new Map<string, ChangeRequest>()
    if (entityIds.length === 0) return out
    const rows = await trx
      .selectFrom('policy_change_requests')
      .selectAll()
      .where('org_id', '=', orgId)
      .where('entity_id', 'in', [...entityIds])
      .where('status', '=', 'Pending')
      .execute()
    for (const row of rows) out.set(row.entity_id, toChangeRequest(row))
    return out
  }

  /** Pending → `status`; true only for the caller that made the change. */
  async function resolve(
    id: string,
    status: Exclude<ChangeRequestStatus, 'Pending'>,
    now: string,
    trx: Kysely<Database> = db,
  ): Promise<boolean> {
    const result = await trx
      .updateTable('policy_change_requests')
      .set({ status, date_resolved: now, pending_key: null })
      .where('id', '=', id)
      .where('status', '=', 'Pending')
      .executeTakeFirst()
    return Number(result.numUpdatedRows) === 1
  }

  return { insertPending, isPending, get, byApproval, byApprovals, pendingFor, resolve }
}

export const pendingConflict = (entityId: string) =>
  new AppError('conflict', `A change to ${entityId} is already pending approval`, { details: { entityId } })
