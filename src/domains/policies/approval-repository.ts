/**
 * Approval rows, their decisions and the approver index.
 *
 * Every status change is a conditional UPDATE (`… WHERE status = 'Pending'`): whoever changes the
 * row is the one who resolved it, so an approval resolves exactly once even with several deciders,
 * an expiry sweep and several nodes at once.
 */
import type { Kysely, Selectable } from 'kysely'
import { isUniqueViolation } from '../../db/database.ts'
import type { Database } from '../../db/schema.ts'
import { AppError } from '../../errors.ts'
import type { InitiatorKind } from './activity.ts'
import type { RecordedDecision } from './approvals.ts'
import type { ApprovalRequirement } from './engine.ts'
import type { ActivityKind } from './policy-body.ts'
import type { ApprovalActivity, ApprovalStatus, DecisionValue, PolicyEvaluation } from './schemas.ts'

/** Stored inside a `Wallets:Sign` approval's activity so the handler can find the request again. */
export interface GovernedRef {
  readonly requestId: string
  readonly walletId?: string
  readonly keyId?: string
}

/** The activity as stored: the API's, plus walletd's own link to a governed wallet request. */
export type StoredActivity = ApprovalActivity & { readonly governed?: GovernedRef }

export interface ApprovalRecord {
  readonly id: string
  readonly orgId: string
  readonly initiatorId: string
  readonly status: ApprovalStatus
  readonly activityKind: ActivityKind
  readonly activity: StoredActivity
  readonly policyEvaluations: PolicyEvaluation[]
  readonly groups: ApprovalRequirement[]
  readonly expirationDate: string | undefined
  readonly dateCreated: string
  readonly dateUpdated: string
  readonly dateResolved: string | undefined
  readonly decisions: RecordedDecision[]
}

export type NewApproval = Omit<ApprovalRecord, 'decisions' | 'dateResolved' | 'status' | 'dateUpdated'>

type ApprovalRow = Selectable<Database['policy_approvals']>
type DecisionRow = Selectable<Database['policy_approval_decisions']>

const toDecision = (row: DecisionRow): RecordedDecision => ({
  userId: row.user_id,
  date: row.date,
  value: row.value as DecisionValue,
  reason: row.reason,
  userKind: row.user_kind as InitiatorKind,
})

function toRecord(row: ApprovalRow, decisions: DecisionRow[]): ApprovalRecord {
  return {
    id: row.id,
    orgId: row.org_id,
    initiatorId: row.initiator_id,
    status: row.status as ApprovalStatus,
    activityKind: row.activity_kind as ActivityKind,
    activity: JSON.parse(row.activity) as StoredActivity,
    policyEvaluations: JSON.parse(row.policy_evaluations) as PolicyEvaluation[],
    groups: JSON.parse(row.approval_groups) as ApprovalRequirement[],
    expirationDate: row.expiration_date ?? undefined,
    dateCreated: row.date_created,
    dateUpdated: row.date_updated,
    dateResolved: row.date_resolved ?? undefined,
    decisions: decisions.map(toDecision),
  }
}

export interface ListApprovalsOptions {
  readonly limit: number
  readonly after?: string
  readonly status?: ApprovalStatus
  readonly initiatorId?: string
  readonly approverId?: string
}

export type ApprovalRepository = ReturnType<typeof createApprovalRepository>

export function createApprovalRepository(db: Kysely<Database>) {
  async function insert(approval: NewApproval, trx: Kysely<Database> = db): Promise<void> {
    const explicit = new Set<string>()
    let openToOrg = false
    for (const group of approval.groups) {
      if (group.approvers.userId === undefined) openToOrg = true
      else for (const userId of group.approvers.userId.in) explicit.add(userId)
    }
    await trx
      .insertInto('policy_approvals')
      .values({
        id: approval.id,
        org_id: approval.orgId,
        initiator_id: approval.initiatorId,
        status: 'Pending',
        activity_kind: approval.activityKind,
        activity: JSON.stringify(approval.activity),
        policy_evaluations: JSON.stringify(approval.policyEvaluations),
        approval_groups: JSON.stringify(approval.groups),
        open_to_org: openToOrg ? 1 : 0,
        expiration_date: approval.expirationDate ?? null,
        date_created: approval.dateCreated,
        date_updated: approval.dateCreated,
        date_resolved: null,
        dispatched: 0,
        dispatch_claimed_until: null,
      })
      .execute()
    if (explicit.size > 0) {
      await trx
        .insertInto('policy_approval_approvers')
        .values(
          [...explicit].map((userId) => ({
            approval_id: approval.id,
            org_id: approval.orgId,
            user_id: userId,
          })),
        )
        .execute()
    }
  }

  async function get(
    orgId: string,
    id: string,
    trx: Kysely<Database> = db,
  ): Promise<ApprovalRecord | undefined> {
    const row = await trx
      .selectFrom('policy_approvals')
      .selectAll()
      .where('org_id', '=', orgId)
      .where('id', '=', id)
      .executeTakeFirst()
    if (!row) return undefined
    return toRecord(row, await decisionRows(id, trx))
  }

  async function getById(id: string, trx: Kysely<Database> = db): Promise<ApprovalRecord | undefined> {
    const row = await trx.selectFrom('policy_approvals').selectAll().where('id', '=', id).executeTakeFirst()
    if (!row) return undefined
    return toRecord(row, await decisionRows(id, trx))
  }

  function decisionRows(approvalId: string, trx: Kysely<Database>): Promise<DecisionRow[]> {
    return trx
      .selectFrom('policy_approval_decisions')
      .selectAll()
      .where('approval_id', '=', approvalId)
      .orderBy('seq', 'asc')
      .execute()
  }

  async function list(orgId: string, options: ListApprovalsOptions): Promise<ApprovalRecord[]> {
    let query = db.selectFrom('policy_approvals').selectAll().where('org_id', '=', orgId)
    if (options.status) query = query.where('status', '=', options.status)
    if (options.initiatorId) query = query.where('initiator_id', '=', options.initiatorId)
    if (options.after) query = query.where('id', '>', options.after)
    if (options.approverId) {
      const approverId = options.approverId
      query = query.where((eb) =>
        eb.or([
          eb('open_to_org', '=', 1),
          eb(
            'id',
            'in',
            eb
              .selectFrom('policy_approval_approvers')
              .select('approval_id')
              .where('org_id', '=', orgId)
              .where('user_id', '=', approverId),
          ),
        ]),
      )
    }
    const rows = await query.orderBy('id', 'asc').limit(options.limit).execute()
    if (rows.length === 0) return []
    const decisions = await db
      .selectFrom('policy_approval_decisions')
      .selectAll()
      .where(
        'approval_id',
        'in',
        rows.map((r) => r.id),
      )
      .orderBy('seq', 'asc')
      .execute()
    return rows.map((row) =>
      toRecord(
        row,
        decisions.filter((d) => d.approval_id === row.id),
      ),
    )
  }

  /**
   * Takes the approval for a decision: touches the row only while it is Pending and not yet due,
   * which on PostgreSQL row-locks it until commit, so concurrent deciders run one after another
   * and each sees the decisions committed before it. (SQLite serializes write transactions.)
   */
  async function lockPendingForDecision(id: string, now: string, trx: Kysely<Database>): Promise<boolean> {
    const result = await trx
      .updateTable('policy_approvals')
      .set({ date_updated: now })
      .where('id', '=', id)
      .where('status', '=', 'Pending')
      .where((eb) => eb.or([eb('expiration_date', 'is', null), eb('expiration_date', '>', now)]))
      .executeTakeFirst()
    return Number(result.numUpdatedRows) === 1
  }

  async function insertDecision(
    approvalId: string,
    decision: RecordedDecision,
    seq: number,
    trx: Kysely<Database>,
  ): Promise<void> {
    try {
      await trx
        .insertInto('policy_approval_decisions')
        .values({
          approval_id: approvalId,
          user_id: decision.userId,
          user_kind: decision.userKind,
          value: decision.value,
          reason: decision.reason,
          date: decision.date,
          seq,
        })
        .execute()
    } catch (err) {
      if (isUniqueViolation(err)) {
        throw new AppError(
          'conflict',
          `User ${decision.userId} has already decided on approval ${approvalId}`,
          {
            details: { approvalId, userId: decision.userId },
          },
        )
      }
      throw err
    }
  }

  async function decisions(approvalId: string, trx: Kysely<Database> = db): Promise<RecordedDecision[]> {
    return (await decisionRows(approvalId, trx)).map(toDecision)
  }

  /** Pending → `status`. True only for the caller that made the change. */
  async function resolve(
    id: string,
    status: Exclude<ApprovalStatus, 'Pending'>,
    now: string,
    trx: Kysely<Database> = db,
  ): Promise<boolean> {
    let query = trx
      .updateTable('policy_approvals')
      .set({ status, date_updated: now, date_resolved: now })
      .where('id', '=', id)
      .where('status', '=', 'Pending')
    if (status === 'Expired') query = query.where('expiration_date', '<=', now)
    const result = await query.executeTakeFirst()
    return Number(result.numUpdatedRows) === 1
  }

  /** Pending approvals whose expiration date has been reached (optionally within one org). */
  async function dueForExpiry(now: string, limit: number, orgId?: string): Promise<string[]> {
    let query = db
      .selectFrom('policy_approvals')
      .select('id')
      .where('status', '=', 'Pending')
      .where('expiration_date', '<=', now)
    if (orgId) query = query.where('org_id', '=', orgId)
    const rows = await query.orderBy('expiration_date', 'asc').limit(limit).execute()
    return rows.map((r) => r.id)
  }

  /** Resolved approvals whose handlers have not completed (crash, handler error). */
  async function undispatched(now: string, limit: number): Promise<string[]> {
    const rows = await db
      .selectFrom('policy_approvals')
      .select('id')
      .where('dispatched', '=', 0)
      .where('date_resolved', 'is not', null)
      .where((eb) =>
        eb.or([eb('dispatch_claimed_until', 'is', null), eb('dispatch_claimed_until', '<=', now)]),
      )
      .orderBy('date_resolved', 'asc')
      .limit(limit)
      .execute()
    return rows.map((r) => r.id)
  }

  /** A lease on running the resolution handlers, so two nodes do not run them at once. */
  async function claimDispatch(id: string, now: string, until: string): Promise<boolean> {
    const result = await db
      .updateTable('policy_approvals')
      .set({ dispatch_claimed_until: until })
      .where('id', '=', id)
      .where('dispatched', '=', 0)
      .where('status', '!=', 'Pending')
      .where((eb) =>
        eb.or([eb('dispatch_claimed_until', 'is', null), eb('dispatch_claimed_until', '<=', now)]),
      )
      .executeTakeFirst()
    return Number(result.numUpdatedRows) === 1
  }

  /** True only for the caller that marked it (its `policy.approval.resolved` is written with it). */
  async function markDispatched(id: string, trx: Kysely<Database> = db): Promise<boolean> {
    const result = await trx
      .updateTable('policy_approvals')
      .set({ dispatched: 1 })
      .where('id', '=', id)
      .where('dispatched', '=', 0)
      .executeTakeFirst()
    return Number(result.numUpdatedRows) === 1
  }

  async function releaseDispatchClaim(id: string): Promise<void> {
    await db
      .updateTable('policy_approvals')
      .set({ dispatch_claimed_until: null })
      .where('id', '=', id)
      .where('dispatched', '=', 0)
      .execute()
  }

  return {
    insert,
    get,
    getById,
    list,
    lockPendingForDecision,
    insertDecision,
    decisions,
    resolve,
    dueForExpiry,
    undispatched,
    claimDispatch,
    markDispatched,
    releaseDispatchClaim,
  }
}
