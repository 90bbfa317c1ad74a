import { setTimeout as sleep } from 'node:timers/promises'
import { canonicalJson } from '../../../canonical-json.ts'
import type { NetworkInfo } from '../../../chains/networks.ts'
import type { Clock } from '../../../clock.ts'
import type { Db } from '../../../db/database.ts'
import { AppError, notFound } from '../../../errors.ts'
import { newId } from '../../../ids.ts'
import { enqueueJob, type JobRunner, runJobNow } from '../../../jobs/index.ts'
import { pageOf } from '../../../pagination.ts'
import type { AssetAmount, ResolvedWalletApproval } from '../../policies/index.ts'
import { initiatorOf } from '../../policies/index.ts'
import type { KeyService } from '../keys/service.ts'
import type { WalletRecord } from '../repository.ts'
import type { WalletService } from '../service.ts'
import { type Caller, type Governance, pageCursor, requireUsableBy } from '../shared.ts'
import type { PageQuery } from '../shared-schemas.ts'
import { EXECUTE_JOB } from './executor.ts'
import type { TransferCategory, TransferPlan, TransferRecord, TransferRepository } from './repository.ts'
import type { TransferView } from './schemas.ts'
import { toTransferView } from './views.ts'

/** Stored requests wait this long for their policy decision before the fallback job fails them. */
const POLICY_FALLBACK_MS = 2 * 60_000
const REPLAY_WAIT_MS = 30_000

export const executeJobKey = (id: string, stage: 'fallback' | 'approved' | 'replacement') =>
  `${EXECUTE_JOB}:${id}:${stage}`

export interface RequestsDeps {
  readonly db: Db
  readonly clock: Clock
  readonly repository: TransferRepository
  readonly wallets: WalletService
  readonly keys: KeyService
  readonly jobs: JobRunner
  readonly governance?: Governance
}

/** What the policies are told a request moves (recipient for the whitelist, value for amounts). */
export interface GovernedFacts {
  readonly recipient?: string
  readonly value?: AssetAmount
}

/** A usable wallet for a new request, or the answer to its externalId replay. */
export type Prepared =
  | { readonly replayed: TransferView }
  | { readonly replayed?: undefined; readonly wallet: WalletRecord; readonly keyId: string }

const nouns: Record<TransferCategory, string> = { transfer: 'transfer', transaction: 'transaction' }
const fields = { transfer: 'transferRequest', transaction: 'transactionRequest' } as const

/**
 * The life of a wallet request before the chain, shared by transfers and transactions (one
 * pipeline, one executor job, one table told apart by `category`):
 *   1. wallet lookup (404), externalId replay (200 original / 409) before anything else;
 *   2. state: deleted key 410, delegated key 403, inactive wallet 422;
 *   3. (the caller's own field and chain checks: 400 / 503, nothing stored);
 *   4. insert (`Executing`, not cleared) together with a fallback job, in one transaction;
 *   5. policies: Rejected / Pending with approvalId / cleared and its job made due now;
 *   6. the executor job signs, broadcasts and follows it (executor.ts).
 */
export function createRequestPipeline(deps: RequestsDeps, category: TransferCategory) {
  const { repository } = deps
  const noun = nouns[category]

  function conflict(duplicate: { id?: string; externalId: string | null | undefined }): AppError {
    return new AppError('conflict', `Conflicting ${noun} request with same externalId`, {
      details: { duplicate },
    })
  }

  async function replay(caller: Caller, walletId: string, body: { externalId?: string }) {
    if (body.externalId === undefined) return undefined
    let existing = await repository.findByExternalId(caller.orgId, category, body.externalId)
    if (!existing) return undefined
    if (existing.walletId !== walletId || existing.canonicalBody !== canonicalJson(body)) {
      throw conflict({ id: existing.id, externalId: existing.externalId })
    }
    // A concurrent twin is being decided right now: answer with its decision, not its first state.
    // A bound on how long this request waits (real time, like any request timeout), not a business deadline.
    const patience = AbortSignal.timeout(REPLAY_WAIT_MS)
    while (existing.status === 'Executing' && !existing.cleared && !patience.aborted) {
      await sleep(10)
      existing = (await repository.findById(existing.id)) ?? existing
    }
    return toTransferView(existing)
  }

  async function current(id: string): Promise<TransferView> {
    const found = await repository.findById(id)
    if (!found) throw new Error(`${noun} ${id} vanished`)
    return toTransferView(found)
  }

  async function govern(caller: Caller, record: TransferRecord, wallet: WalletRecord, facts: GovernedFacts) {
    const governance = deps.governance
    if (!governance) return { status: 'Allowed' as const, evaluations: [] }
    try {
      return await governance.governWalletRequest({
        kind: 'Wallets:Sign',
        orgId: caller.orgId,
        walletId: record.walletId,
        walletTags: wallet.tags,
        keyId: wallet.keyId,
        requestId: record.id,
        requestField: fields[category],
        request: { ...toTransferView(record), status: 'Pending' },
        initiator: initiatorOf(caller),
        ...(caller.policiesVersion !== undefined ? { policiesVersion: caller.policiesVersion } : {}),
        network: record.network,
        ...(facts.recipient !== undefined ? { recipient: facts.recipient } : {}),
        ...(facts.value ? { value: facts.value } : {}),
      })
    } catch (err) {
      // Recorded in the velocity ledger before the rules ran, but it will never execute.
      await deps.db.transaction().execute(async (trx) => {
        await repository.transition(
          record.id,
          ['Executing'],
          { status: 'Failed', reason: 'policy evaluation failed' },
          trx,
        )
        await governance.releaseWalletRequest(record.id, trx)
      })
      throw err
    }
  }

  async function requireRequest(caller: Caller, walletId: string, id: string) {
    const wallet = await deps.wallets.requireWallet(caller, walletId)
    const record = await repository.find(caller.orgId, id)
    if (!record || record.walletId !== wallet.id || record.category !== category) {
      throw notFound(noun, id, { walletId })
    }
    return record
  }

  return {
    requireRequest,
    current,

    /** Steps 1–2: the wallet, a replayed answer, or the checks every new request passes. */
    async prepare(caller: Caller, walletId: string, body: { externalId?: string }): Promise<Prepared> {
      const wallet = await deps.wallets.requireWallet(caller, walletId)
      const replayed = await replay(caller, wallet.id, body)
      if (replayed) return { replayed }
      const key = await deps.keys.requireKey(caller, wallet.keyId)
      deps.keys.requireLive(key)
      requireUsableBy(caller, `wallet ${wallet.id}`, key.delegatedTo)
      if (wallet.status !== 'Active') {
        throw new AppError('unprocessable', `wallet ${wallet.id} is ${wallet.status}`, {
          details: { walletId: wallet.id, status: wallet.status },
        })
      }
      return { wallet, keyId: key.id }
    },

    /** A new record of this category, not yet cleared by the policies. */
    draft(
      caller: Caller,
      wallet: WalletRecord,
      network: NetworkInfo,
      body: Record<string, unknown> & { externalId?: string },
      plan: TransferPlan,
      metadata: Record<string, unknown> | null = null,
    ): TransferRecord {
      const now = deps.clock.now()
      return {
        id: newId(category, now.getTime()),
        orgId: caller.orgId,
        walletId: wallet.id,
        network: network.name,
        category,
        fromAddress: wallet.address as string,
        requester: { userId: caller.userId, ...(caller.tokenId ? { tokenId: caller.tokenId } : {}) },
        requestBody: body,
        canonicalBody: canonicalJson(body),
        plan,
        metadata,
        status: 'Executing',
        cleared: false,
        reason: null,
        approvalId: null,
        externalId: body.externalId ?? null,
        nonce: null,
        signedTx: null,
        txHash: null,
        fee: null,
        details: null,
        replacementId: null,
        replacesId: null,
        dateRequested: now.toISOString(),
        datePolicyResolved: null,
        dateBroadcasted: null,
        dateConfirmed: null,
      }
    },

    /** Steps 4–5: store with its fallback job, ask the policies, act on their decision. */
    async submit(
      caller: Caller,
      wallet: WalletRecord,
      record: TransferRecord,
      facts: GovernedFacts,
    ): Promise<TransferView> {
      // The request and its fallback job commit together: a node stopping right after this still
      // leaves a job that settles the request (Failed, never sent: it was not cleared).
      const inserted = await deps.db.transaction().execute(async (trx) => {
        if (!(await repository.insert(record, trx))) return false
        await enqueueJob(
          {
            kind: EXECUTE_JOB,
            payload: { id: record.id },
            runAt: new Date(new Date(record.dateRequested).getTime() + POLICY_FALLBACK_MS),
            dedupeKey: executeJobKey(record.id, 'fallback'),
          },
          deps.clock,
          trx,
        )
        return true
      })
      if (!inserted) {
        const twin = await replay(caller, wallet.id, record.requestBody)
        if (twin) return twin
        throw conflict({ externalId: record.externalId })
      }
      const decision = await govern(caller, record, wallet, facts)
      const resolvedAt = deps.clock.now().toISOString()
      if (decision.status === 'Rejected') {
        await repository.transition(record.id, ['Executing'], {
          status: 'Rejected',
          reason: decision.reason,
          datePolicyResolved: resolvedAt,
        })
        return current(record.id)
      }
      if (decision.status === 'Pending') {
        await repository.transition(record.id, ['Executing'], {
          status: 'Pending',
          approvalId: decision.approvalId,
        })
        return current(record.id)
      }
      await repository.transition(record.id, ['Executing'], {
        cleared: true,
        ...(decision.evaluations.length > 0 ? { datePolicyResolved: resolvedAt } : {}),
      })
      await runJobNow(deps.db, executeJobKey(record.id, 'fallback'), deps.clock)
      deps.jobs.wake()
      return current(record.id)
    },

    async list(caller: Caller, walletId: string, query: PageQuery) {
      const wallet = await deps.wallets.requireWallet(caller, walletId)
      const { limit, beforeId } = pageCursor(query)
      const rows = await repository.list(caller.orgId, wallet.id, category, {
        limit: limit + 1,
        ...(beforeId ? { beforeId } : {}),
      })
      const page = pageOf(rows, limit)
      return { ...page, walletId: wallet.id, items: page.items.map(toTransferView) }
    },

    async get(caller: Caller, walletId: string, id: string) {
      return toTransferView(await requireRequest(caller, walletId, id))
    },

    /** Only a request still waiting on its approval can be aborted (412 otherwise). */
    async abort(caller: Caller, walletId: string, id: string) {
      const record = await requireRequest(caller, walletId, id)
      const aborted = await deps.db.transaction().execute(async (trx) => {
        const moved = await repository.transition(
          record.id,
          ['Pending'],
          { status: 'Rejected', reason: 'aborted', datePolicyResolved: deps.clock.now().toISOString() },
          trx,
        )
        if (moved) await deps.governance?.releaseWalletRequest(record.id, trx)
        return moved
      })
      if (!aborted) {
        const now = (await repository.findById(record.id)) ?? record
        throw new AppError(
          'precondition_failed',
          `${noun} ${record.id} is ${now.status}; only a Pending ${noun} can be aborted`,
          { details: { id: record.id, status: now.status } },
        )
      }
      return current(record.id)
    },

    /**
     * The policy engine's callback when the approval of one of these requests resolves.
     * Idempotent: only a request still `Pending` moves, and its job is keyed by the request.
     */
    async onApprovalResolved(resolved: ResolvedWalletApproval): Promise<void> {
      const record = await repository.findById(resolved.requestId)
      if (record?.status !== 'Pending' || record.category !== category) return
      if (resolved.status !== 'Approved') {
        await repository.transition(record.id, ['Pending'], {
          status: 'Rejected',
          reason: resolved.status === 'Denied' ? 'Denied by approvers' : 'Approval expired',
          datePolicyResolved: resolved.dateResolved,
        })
        return
      }
      await deps.db.transaction().execute(async (trx) => {
        const moved = await repository.transition(
          record.id,
          ['Pending'],
          { status: 'Executing', cleared: true, datePolicyResolved: resolved.dateResolved },
          trx,
        )
        if (!moved) return
        await enqueueJob(
          { kind: EXECUTE_JOB, payload: { id: record.id }, dedupeKey: executeJobKey(record.id, 'approved') },
          deps.clock,
          trx,
        )
      })
      deps.jobs.wake()
    },
  }
}

export type RequestPipeline = ReturnType<typeof createRequestPipeline>
