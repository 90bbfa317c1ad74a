/**
 * Approvals: opening one for a triggered activity, decisions, expiry, and running the resolution
 * handlers (execute the signature, apply the change…) once an approval is resolved.
 */
import type { Kysely } from 'kysely'
import type { Clock } from '../../clock.ts'
import type { Database } from '../../db/schema.ts'
import { AppError, notFound } from '../../errors.ts'
import { newId } from '../../ids.ts'
import { cursorOf, pageOf } from '../../pagination.ts'
import type { Initiator } from './activity.ts'
import { type ApprovalRecord, createApprovalRepository, type StoredActivity } from './approval-repository.ts'
import { assertMayDecide, type Decider, type RecordedDecision, statusAfterDecisions } from './approvals.ts'
import { createChangeRequestRepository } from './change-request-repository.ts'
import type { ApprovalRequirement } from './engine.ts'
import type { ErrorLogger, PolicyEventSink } from './events.ts'
import type { ActivityKind } from './policy-body.ts'
import type {
  Approval,
  ApprovalActivity,
  ApprovalDecisionBody,
  ApprovalStatus,
  ChangeRequest,
  ListApprovalsQuery,
  PolicyEvaluation,
} from './schemas.ts'

/**
 * Runs after an approval left Pending (Approved, Denied or Expired), outside any transaction.
 * Handlers must be idempotent: after a crash or a handler error the approval is handed to them
 * again by `dispatchResolvedApprovals` (at-least-once).
 */
export type ApprovalResolvedHandler = (approval: ApprovalRecord) => Promise<void>

export interface ApprovalServiceDeps {
  readonly db: Kysely<Database>
  readonly clock: Clock
  /** Where `policy.approval.*` events are written, in the transaction of their change. */
  readonly events?: PolicyEventSink
  readonly logger?: ErrorLogger
  /** How long one node may run an approval's handlers before another may retry them. */
  readonly dispatchLeaseMs?: number
}

export interface OpenApprovalInput {
  readonly orgId: string
  readonly initiator: Initiator
  readonly activity: StoredActivity
  readonly evaluations: PolicyEvaluation[]
  readonly groups: ApprovalRequirement[]
  readonly expiresInMinutes: number | undefined
  /** Pre-generated id, when the caller must reference the approval before it exists. */
  readonly id?: string
}

const DEFAULT_PAGE = 20
const EXPIRY_BATCH = 500

export type ApprovalService = ReturnType<typeof createApprovalService>

export function createApprovalService(deps: ApprovalServiceDeps) {
  const repo = createApprovalRepository(deps.db)
  const changeRequests = createChangeRequestRepository(deps.db)
  const handlers = new Map<ActivityKind, ApprovalResolvedHandler[]>()
  const leaseMs = deps.dispatchLeaseMs ?? 60_000
  const nowIso = () => deps.clock.now().toISOString()

  /** The API shape; a change request inside the activity shows its current status. */
  async function present(
    record: ApprovalRecord,
    preloaded?: Map<string, ChangeRequest>,
    trx: Kysely<Database> = deps.db,
  ): Promise<Approval> {
    // `governed` is walletd's own link to the wallet request, not part of the API object.
    const { governed: _governed, ...visible } = record.activity
    let activity: ApprovalActivity = visible
    if ('changeRequest' in activity) {
      const current = preloaded ? preloaded.get(record.id) : await changeRequests.byApproval(record.id, trx)
      if (current) activity = { ...activity, changeRequest: current }
    }
    const approval: Approval = {
      id: record.id,
      initiatorId: record.initiatorId,
      activity,
      status: record.status,
      dateCreated: record.dateCreated,
      dateUpdated: record.dateUpdated,
      policyEvaluations: record.policyEvaluations,
      decisions: record.decisions.map(({ userId, date, value, reason }) => ({ userId, date, value, reason })),
    }
    if (record.expirationDate) approval.expirationDate = record.expirationDate
    if (record.dateResolved) approval.dateResolved = record.dateResolved
    return approval
  }

  /** Runs the handlers of a resolved approval once per claim; failures leave it for a retry. */
  async function dispatch(approvalId: string): Promise<void> {
    const now = deps.clock.now()
    const claimed = await repo.claimDispatch(
      approvalId,
      now.toISOString(),
      new Date(now.getTime() + leaseMs).toISOString(),
    )
    if (!claimed) return
    const record = await repo.getById(approvalId)
    if (!record) return
    try {
      for (const handler of handlers.get(record.activityKind) ?? []) await handler(record)
      // Done, and announced with it: `policy.approval.resolved` shows what the handlers did (the
      // change request Applied…), and is written once, by whoever marks the approval dispatched.
      await deps.db.transaction().execute(async (trx) => {
        if (!(await repo.markDispatched(approvalId, trx)) || !deps.events) return
        const resolved = (await repo.getById(approvalId, trx)) ?? record
        await deps.events(
          {
            kind: 'policy.approval.resolved',
            orgId: record.orgId,
            approval: await present(resolved, undefined, trx),
          },
          trx,
        )
      })
    } catch (err) {
      deps.logger?.error({ err, approvalId }, 'approval resolution handler failed; it will be retried')
      await repo.releaseDispatchClaim(approvalId)
    }
  }

  async function expireOne(approvalId: string): Promise<boolean> {
    const expired = await repo.resolve(approvalId, 'Expired', nowIso())
    if (expired) await dispatch(approvalId)
    return expired
  }

  /** Expires what is due in one org before reading it (lazy expiry). */
  async function expireDueIn(orgId: string): Promise<void> {
    for (const id of await repo.dueForExpiry(nowIso(), EXPIRY_BATCH, orgId)) await expireOne(id)
  }

  return {
    /** Registers what to do when an approval of this activity kind resolves. */
    onResolved(activityKind: ActivityKind, handler: ApprovalResolvedHandler): void {
      handlers.set(activityKind, [...(handlers.get(activityKind) ?? []), handler])
    },

    /** Creates the Pending approval. Pass `trx` to create it atomically with the governed entity. */
    async open(input: OpenApprovalInput, trx?: Kysely<Database>): Promise<ApprovalRecord> {
      const now = deps.clock.now()
      const record: ApprovalRecord = {
        id: input.id ?? newId('approval', now.getTime()),
        orgId: input.orgId,
        initiatorId: input.initiator.userId,
        status: 'Pending',
        activityKind: input.activity.kind,
        activity: input.activity,
        policyEvaluations: input.evaluations,
        groups: input.groups,
        expirationDate:
          input.expiresInMinutes === undefined
            ? undefined
            : new Date(now.getTime() + input.expiresInMinutes * 60_000).toISOString(),
        dateCreated: now.toISOString(),
        dateUpdated: now.toISOString(),
        dateResolved: undefined,
        decisions: [],
      }
      await repo.insert(record, trx)
      return record
    },

    /** Writes `policy.approval.pending` in `trx`, the transaction that opened the approval. */
    async announce(record: ApprovalRecord, trx: Kysely<Database>): Promise<void> {
      await deps.events?.(
        {
          kind: 'policy.approval.pending',
          orgId: record.orgId,
          approval: await present(record, undefined, trx),
        },
        trx,
      )
    },

    present,

    async get(orgId: string, approvalId: string): Promise<Approval> {
      let record = await repo.get(orgId, approvalId)
      if (!record) throw notFound('approval', approvalId)
      if (record.status === 'Pending' && record.expirationDate && record.expirationDate <= nowIso()) {
        await expireOne(approvalId)
        record = (await repo.get(orgId, approvalId)) ?? record
      }
      return present(record)
    },

    async list(
      orgId: string,
      query: ListApprovalsQuery,
    ): Promise<{ items: Approval[]; nextPageToken?: string }> {
      await expireDueIn(orgId)
      const limit = query.limit ?? DEFAULT_PAGE
      const records = await repo.list(orgId, {
        limit: limit + 1,
        after: cursorOf(query.paginationToken),
        status: query.status,
        initiatorId: query.initiatorId,
        approverId: query.approverId,
      })
      const page = pageOf(records, limit)
      const changes = await changeRequests.byApprovals(
        page.items.filter((r) => 'changeRequest' in r.activity).map((r) => r.id),
      )
      return { ...page, items: await Promise.all(page.items.map((record) => present(record, changes))) }
    },

    /**
     * Records a decision. Checks, in order: the approval exists in this org (404), is Pending and
     * not expired (412), the decider may take part / approve (403), has not decided yet (409).
     */
    async decide(
      orgId: string,
      approvalId: string,
      decider: Decider,
      body: ApprovalDecisionBody,
    ): Promise<Approval> {
      const notPending = (status: ApprovalStatus) =>
        new AppError('precondition_failed', `Approval ${approvalId} is ${status}, not Pending`, {
          details: { approvalId, status },
        })
      const before = await repo.get(orgId, approvalId)
      if (!before) throw notFound('approval', approvalId)
      if (before.status !== 'Pending') throw notPending(before.status)

      const now = nowIso()
      const outcome = await deps.db.transaction().execute(async (trx) => {
        if (!(await repo.lockPendingForDecision(approvalId, now, trx))) return { taken: false as const }
        const decisions = await repo.decisions(approvalId, trx)
        const state = { id: approvalId, initiatorId: before.initiatorId, groups: before.groups, decisions }
        assertMayDecide(state, decider, body.value)
        const decision: RecordedDecision = {
          userId: decider.userId,
          userKind: decider.kind,
          value: body.value,
          reason: body.reason ?? null,
          date: now,
        }
        await repo.insertDecision(approvalId, decision, decisions.length, trx)
        const status = statusAfterDecisions({ ...state, decisions: [...decisions, decision] })
        if (status !== 'Pending') await repo.resolve(approvalId, status, now, trx)
        return { taken: true as const, status }
      })

      if (!outcome.taken) {
        // Someone resolved it first, or it is due for expiry: expire it now if so, then 412.
        const current = await repo.get(orgId, approvalId)
        if (current?.status === 'Pending' && current.expirationDate && current.expirationDate <= now) {
          await expireOne(approvalId)
          throw notPending('Expired')
        }
        throw notPending(current?.status ?? 'Pending')
      }
      if (outcome.status !== 'Pending') await dispatch(approvalId)
      const after = await repo.get(orgId, approvalId)
      return present(after!)
    },

    /**
     * Expires every Pending approval whose expirationDate is ≤ now (the clock's, by default) and
     * runs their handlers. Returns how many this call expired. Safe to run on several nodes.
     */
    async expireDueApprovals(now: Date = deps.clock.now()): Promise<number> {
      let count = 0
      for (;;) {
        const due = await repo.dueForExpiry(now.toISOString(), EXPIRY_BATCH)
        let progressed = 0
        for (const id of due) {
          if (await repo.resolve(id, 'Expired', now.toISOString())) {
            count++
            progressed++
            await dispatch(id)
          }
        }
        if (due.length < EXPIRY_BATCH || progressed === 0) return count
      }
    },

    /** Re-runs handlers that did not complete (crash between commit and handler, handler error). */
    async dispatchResolvedApprovals(limit = 100): Promise<number> {
      const ids = await repo.undispatched(nowIso(), limit)
      for (const id of ids) await dispatch(id)
      return ids.length
    },
  }
}
