/**
 * Governance of wallet requests (`Wallets:Sign`: signatures, transfers, transactions).
 *
 * The wallets domain calls `governWalletRequest` after validating a request and before executing
 * it, and acts on the result:
 *   - `Allowed`  → execute now;
 *   - `Rejected` → store the request `Rejected` with `reason` and answer 200 (a Block policy);
 *   - `Pending`  → store it `Pending` with `approvalId` and answer 200; when the approval resolves,
 *     the handler given to `onWalletApprovalResolved` executes it (Approved) or rejects it.
 * Every governed request is recorded in the velocity ledger *before* the rules run, so of two
 * concurrent requests on one wallet the later-recorded one always counts the other. A request the
 * caller allowed but that then ends without executing (signing failed, node interrupted) must be
 * given back with `releaseWalletRequest`, or it would keep counting in the windows.
 *
 * Velocity subjects: a wallet request is recorded under its wallet, a key-route signature under its
 * key. A wallet request's windows sum its wallet and its key (when the caller names it); a key
 * signature's windows sum its key and every wallet on it. Switching routes never escapes a window.
 */
import type { Kysely } from 'kysely'
import type { Clock } from '../../clock.ts'
import type { Database } from '../../db/schema.ts'
import type { WalletSignActivity } from './activity.ts'
import type { GovernedRef } from './approval-repository.ts'
import type { ApprovalService } from './approval-service.ts'
import { evaluatePolicies, governedWallets } from './engine.ts'
import type { AnnounceTriggered } from './events.ts'
import type { PriceSource } from './prices.ts'
import type { PolicyRepository } from './repository.ts'
import type { VelocityWindow } from './rules/types.ts'
import type { Approval, PolicyEvaluation } from './schemas.ts'
import type { VelocityLedger } from './velocity-ledger.ts'

export type WalletGovernanceResult =
  | { readonly status: 'Allowed'; readonly evaluations: PolicyEvaluation[] }
  | { readonly status: 'Rejected'; readonly reason: string; readonly evaluations: PolicyEvaluation[] }
  | { readonly status: 'Pending'; readonly approvalId: string; readonly approval: Approval }

/** What the wallets domain does with a resolved approval; see `onWalletApprovalResolved`. */
export interface ResolvedWalletApproval {
  readonly orgId: string
  readonly approvalId: string
  readonly status: 'Approved' | 'Denied' | 'Expired'
  /** The governed request (`sig-…`, `xfr-…`, `tx-…`). Call `governWalletRequest` once per request:
   *  an externalId replay must be answered by the wallets domain before it gets here. */
  readonly requestId: string
  /** The wallet of a wallet request; absent for a key-route signature. */
  readonly walletId?: string
  readonly dateResolved: string
}

export type WalletApprovalHandler = (resolved: ResolvedWalletApproval) => Promise<void>

export interface WalletGovernanceDeps {
  readonly clock: Clock
  readonly policies: PolicyRepository
  readonly ledger: VelocityLedger
  readonly prices: PriceSource
  readonly approvals: ApprovalService
  /** Writes `policy.triggered` in the transaction of the decision it describes. */
  readonly announceTriggered: AnnounceTriggered
  readonly db: Kysely<Database>
}

export type WalletGovernance = ReturnType<typeof createWalletGovernance>

/** Where a request is recorded, and which subjects its windows sum (see the header). */
function velocitySubjects(activity: WalletSignActivity): { recordedUnder: string; window: string[] } {
  const recordedUnder = activity.walletId ?? activity.keyId
  if (recordedUnder === undefined) throw new Error('a Wallets:Sign activity names a wallet or a key')
  const window = [recordedUnder, ...(activity.keyId ? [activity.keyId] : [])]
  if (activity.walletId === undefined) window.push(...governedWallets(activity).map((w) => w.id))
  return { recordedUnder, window: [...new Set(window)] }
}

export function createWalletGovernance(deps: WalletGovernanceDeps) {
  // One per kind of governed request (signatures, transfers, transactions); each ignores the others'.
  const walletHandlers: WalletApprovalHandler[] = []
  deps.approvals.onResolved('Wallets:Sign', async (approval) => {
    const ref = approval.activity.governed
    if (!ref || approval.status === 'Pending') return
    // A denied or expired request never executes: take it back out of the velocity windows.
    if (approval.status !== 'Approved') await deps.ledger.release(ref.requestId)
    if (walletHandlers.length === 0) throw new Error('no wallet approval handler registered yet')
    const resolved: ResolvedWalletApproval = {
      orgId: approval.orgId,
      approvalId: approval.id,
      status: approval.status,
      requestId: ref.requestId,
      ...(ref.walletId !== undefined ? { walletId: ref.walletId } : {}),
      dateResolved: approval.dateResolved ?? approval.dateUpdated,
    }
    for (const handler of walletHandlers) await handler(resolved)
  })

  return {
    /**
     * The wallet domains plug in "execute or reject the request" here, each for its own requests
     * (by id prefix); every handler sees every resolution. Must be idempotent.
     */
    onWalletApprovalResolved(handler: WalletApprovalHandler): void {
      walletHandlers.push(handler)
    },

    prepareWalletRequest,

    async governWalletRequest(activity: WalletSignActivity): Promise<WalletGovernanceResult> {
      const prepared = await prepareWalletRequest(activity)
      await prepared.record()
      return prepared.decide()
    },

    /**
     * Takes a request out of the velocity windows when it will never execute for another reason
     * (failed while signing, interrupted, aborted while Pending, failed before broadcast).
     * Idempotent, and harmless for a request never recorded. Given `trx`, it commits with the
     * caller's status change.
     */
    releaseWalletRequest(requestId: string, trx?: Kysely<Database>): Promise<boolean> {
      return deps.ledger.release(requestId, trx)
    },
  }

  /**
   * `governWalletRequest` in its three steps, for a caller that records the request in its own
   * transaction (a signature request: its row and its ledger entry commit together): the price and
   * the active policies are read first, outside any transaction (pricing may reach the network);
   * `record` writes the ledger entry (in `trx` when given); `decide`, once that entry has committed,
   * reads the windows, evaluates and acts. Every governed request is recorded, velocity rule or not,
   * so a velocity policy created later counts it.
   */
  async function prepareWalletRequest(activity: WalletSignActivity) {
    const now = deps.clock.now()
    const usdValue = activity.value ? await deps.prices.usdValue(activity.value) : undefined
    const subjects = velocitySubjects(activity)
    const policies = await deps.policies.listActive(activity.orgId, 'Wallets:Sign', activity.policiesVersion)
    return {
      record: (trx?: Kysely<Database>) =>
        deps.ledger.record(
          {
            id: activity.requestId,
            orgId: activity.orgId,
            walletId: subjects.recordedUnder,
            date: now,
            amountUsd: usdValue,
          },
          trx,
        ),
      decide: () => decide(activity, now, usdValue, subjects.window, policies),
      /**
       * No active policy of the org governs this kind: `decide` would allow it without reading or
       * writing anything, so the caller may skip it (and execute before it records).
       */
      unpoliced: policies.length === 0,
    }
  }

  async function decide(
    activity: WalletSignActivity,
    now: Date,
    usdValue: number | undefined,
    windowSubjects: readonly string[],
    policies: Awaited<ReturnType<PolicyRepository['listActive']>>,
  ): Promise<WalletGovernanceResult> {
    // Several velocity policies often share a timeframe: read each window once per request.
    const windows = new Map<number, Promise<VelocityWindow>>()
    const outcome = await evaluatePolicies(policies, {
      activity,
      usdValue,
      window: (minutes) => {
        let window = windows.get(minutes)
        if (!window) {
          window = deps.ledger.window(windowSubjects, now, minutes)
          windows.set(minutes, window)
        }
        return window
      },
    })

    const triggered = {
      orgId: activity.orgId,
      activityKind: 'Wallets:Sign' as const,
      subjectId: activity.requestId,
      evaluations: outcome.evaluations,
    }
    const anyTriggered = outcome.evaluations.some((e) => e.triggered)

    if (outcome.kind === 'Block') {
      await deps.db.transaction().execute(async (trx) => {
        await deps.ledger.release(activity.requestId, trx)
        await deps.announceTriggered(triggered, trx)
      })
      return { status: 'Rejected', reason: outcome.reason, evaluations: outcome.evaluations }
    }
    if (outcome.kind === 'Allow') {
      if (anyTriggered) {
        await deps.db.transaction().execute((trx) => deps.announceTriggered(triggered, trx))
      }
      return { status: 'Allowed', evaluations: outcome.evaluations }
    }
    const record = await deps.db.transaction().execute(async (trx) => {
      const opened = await deps.approvals.open(
        {
          orgId: activity.orgId,
          initiator: activity.initiator,
          activity: {
            kind: 'Wallets:Sign',
            [activity.requestField]: activity.request,
            governed: {
              requestId: activity.requestId,
              ...(activity.walletId !== undefined ? { walletId: activity.walletId } : {}),
              ...(activity.keyId !== undefined ? { keyId: activity.keyId } : {}),
            } satisfies GovernedRef,
          },
          evaluations: outcome.evaluations,
          groups: outcome.groups,
          expiresInMinutes: outcome.expiresInMinutes,
        },
        trx,
      )
      await deps.announceTriggered({ ...triggered, approvalId: opened.id }, trx)
      await deps.approvals.announce(opened, trx)
      return opened
    })
    return { status: 'Pending', approvalId: record.id, approval: await deps.approvals.present(record) }
  }
}
