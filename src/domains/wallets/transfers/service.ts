import { setTimeout as sleep } from 'node:timers/promises'
import type { Hex } from 'viem'
import { canonicalJson } from '../../../canonical-json.ts'
import { validateEvmAddress } from '../../../chains/evm/address.ts'
import type { EvmEndpoints } from '../../../chains/evm/endpoints.ts'
import { callOfTransfer, type EvmTransferIntent } from '../../../chains/evm/transfers.ts'
import { type NetworkInfo, requireNetwork } from '../../../chains/networks.ts'
import type { Clock } from '../../../clock.ts'
import type { Db } from '../../../db/database.ts'
import { AppError, notFound } from '../../../errors.ts'
import { newId } from '../../../ids.ts'
import { enqueueJob, type JobRunner, runJobNow } from '../../../jobs/index.ts'
import { pageOf } from '../../../pagination.ts'
import type { ResolvedWalletApproval } from '../../policies/governance.ts'
import type { PriceSource } from '../../policies/prices.ts'
import type { KeyService } from '../keys/service.ts'
import type { WalletService } from '../service.ts'
import { type Caller, type Governance, pageCursor, requireUsableBy } from '../shared.ts'
import type { PageQuery } from '../shared-schemas.ts'
import { type AssetFacts, inspectTransfer } from './chain-checks.ts'
import { EXECUTE_JOB } from './executor.ts'
import type { TransferRecord, TransferRepository } from './repository.ts'
import type { TransferBody, TransferView } from './schemas.ts'

/** Stored requests wait this long for their policy decision before the fallback job fails them. */
const POLICY_FALLBACK_MS = 2 * 60_000
const REPLAY_WAIT_MS = 30_000

export interface TransfersDeps {
  readonly db: Db
  readonly clock: Clock
  readonly repository: TransferRepository
  readonly wallets: WalletService
  readonly keys: KeyService
  readonly evm: EvmEndpoints
  readonly jobs: JobRunner
  readonly prices: PriceSource
  readonly governance?: Governance & { releaseWalletRequest?(id: string): Promise<unknown> }
}

export const executeJobKey = (id: string, stage: 'fallback' | 'approved') => `${EXECUTE_JOB}:${id}:${stage}`

export function toTransferView(record: TransferRecord): TransferView {
  return {
    id: record.id,
    walletId: record.walletId,
    network: record.network,
    requester: { ...record.requester },
    requestBody: record.requestBody,
    metadata: (record.metadata ?? {}) as TransferView['metadata'],
    status: record.status,
    ...(record.reason !== null ? { reason: record.reason } : {}),
    ...(record.txHash !== null && record.status !== 'Executing' ? { txHash: record.txHash } : {}),
    ...(record.fee !== null ? { fee: record.fee } : {}),
    dateRequested: record.dateRequested,
    ...(record.datePolicyResolved ? { datePolicyResolved: record.datePolicyResolved } : {}),
    ...(record.dateBroadcasted ? { dateBroadcasted: record.dateBroadcasted } : {}),
    ...(record.dateConfirmed ? { dateConfirmed: record.dateConfirmed } : {}),
    ...(record.approvalId !== null ? { approvalId: record.approvalId } : {}),
    ...(record.externalId !== null ? { externalId: record.externalId } : {}),
    ...(record.replacementId !== null ? { replacementId: record.replacementId } : {}),
    ...(record.details ? { details: record.details } : {}),
  }
}

const EVM_KINDS = new Set(['Native', 'Erc20', 'Erc721'])

function invalid(field: string, message: string, details: Record<string, unknown> = {}): AppError {
  return new AppError('validation_failed', `${field} ${message}`, { details: { field, ...details } })
}

function address(value: string | undefined, field: string): Hex {
  if (value === undefined) throw invalid(field, 'is required')
  try {
    return validateEvmAddress(value) as Hex
  } catch (err) {
    throw invalid(field, `is not a valid EVM address: it ${(err as Error).message}`)
  }
}

function uint(value: string | undefined, field: string, { positive }: { positive: boolean }): bigint {
  if (value === undefined) throw invalid(field, 'is required')
  if (!/^(0|[1-9][0-9]{0,77})$/.test(value))
    throw invalid(field, 'must be a non-negative integer in minimum units')
  const n = BigInt(value)
  if (n >= 2n ** 256n) throw invalid(field, 'does not fit in 256 bits')
  if (positive && n === 0n) throw invalid(field, 'must be greater than 0')
  return n
}

/** The body's kind and fields as an EVM intent, or a 400 naming what is wrong. */
function intentOf(network: NetworkInfo, body: TransferBody): EvmTransferIntent {
  if (!EVM_KINDS.has(body.kind) || network.blockchainKind !== 'Evm') {
    throw new AppError(
      'validation_failed',
      `Transfer kind ${body.kind} is not supported on ${network.name}.`,
      {
        details: { field: 'kind', kind: body.kind, network: network.name },
      },
    )
  }
  if (body.feeSponsorId !== undefined) throw invalid('feeSponsorId', 'is not supported by walletd')
  if (body.memo !== undefined) throw invalid('memo', `is not supported on ${network.name}`)
  const to = address(body.to, 'to')
  if (body.kind === 'Native')
    return { kind: 'Native', to, amount: uint(body.amount, 'amount', { positive: true }) }
  const contract = address(body.contract, 'contract')
  if (body.kind === 'Erc20') {
    return { kind: 'Erc20', contract, to, amount: uint(body.amount, 'amount', { positive: true }) }
  }
  return { kind: 'Erc721', contract, to, tokenId: uint(body.tokenId, 'tokenId', { positive: false }) }
}

/**
 * Transfer requests (`/wallets/:id/transfers`). The order of a request:
 *   1. wallet lookup (404), externalId replay (200 original / 409) before anything else;
 *   2. state: deleted key 410, inactive wallet 422; kind and fields (400 naming them);
 *   3. chain checks before storing (400: unknown token, insufficient balance, token not owned;
 *      503 when the chain cannot be reached) — see the README for why these and not others;
 *   4. insert (`Executing`, not cleared) together with a fallback job, in one transaction;
 *   5. policies: Rejected / Pending with approvalId / cleared and its job made due now;
 *   6. the executor job signs, broadcasts and follows it (executor.ts).
 */
export function createTransfersService(deps: TransfersDeps) {
  const { repository } = deps

  function conflict(existing: TransferRecord): AppError {
    return new AppError('conflict', 'Conflicting transfer request with same externalId', {
      details: { duplicate: { id: existing.id, externalId: existing.externalId } },
    })
  }

  async function replay(
    caller: Caller,
    walletId: string,
    body: TransferBody,
  ): Promise<TransferView | undefined> {
    if (body.externalId === undefined) return undefined
    let existing = await repository.findByExternalId(caller.orgId, 'transfer', body.externalId)
    if (!existing) return undefined
    if (existing.walletId !== walletId || existing.canonicalBody !== canonicalJson(body))
      throw conflict(existing)
    // A concurrent twin is being decided right now: answer with its decision, not its first state.
    // A bound on how long this request waits (real time, like any request timeout), not a business deadline.
    const patience = AbortSignal.timeout(REPLAY_WAIT_MS)
    while (existing.status === 'Executing' && !existing.cleared && !patience.aborted) {
      await sleep(10)
      existing = (await repository.findById(existing.id)) ?? existing
    }
    return toTransferView(existing)
  }

  async function assetMetadata(asset: AssetFacts | undefined) {
    if (!asset) return {}
    const quote = await deps.prices.usdValue({
      symbol: asset.symbol,
      decimals: asset.decimals,
      amount: (10n ** BigInt(asset.decimals)).toString(),
    })
    return {
      asset: {
        symbol: asset.symbol,
        decimals: asset.decimals,
        verified: asset.native,
        ...(quote !== undefined ? { quotes: { USD: quote } } : {}),
      },
    }
  }

  async function current(id: string): Promise<TransferView> {
    const found = await repository.findById(id)
    if (!found) throw new Error(`transfer ${id} vanished`)
    return toTransferView(found)
  }

  async function govern(
    caller: Caller,
    record: TransferRecord,
    tags: readonly string[],
    facts: { recipient: string; value?: { symbol: string; decimals: number; amount: string } },
  ) {
    const governance = deps.governance
    if (!governance) return { status: 'Allowed' as const, evaluations: [] }
    try {
      return await governance.governWalletRequest({
        kind: 'Wallets:Sign',
        orgId: caller.orgId,
        walletId: record.walletId,
        walletTags: tags,
        requestId: record.id,
        requestField: 'transferRequest',
        request: { ...toTransferView(record), status: 'Pending' },
        initiator: { userId: caller.userId, kind: caller.kind, tokenId: caller.tokenId, appId: caller.appId },
        network: record.network,
        recipient: facts.recipient,
        ...(facts.value ? { value: facts.value } : {}),
      })
    } catch (err) {
      await repository.transition(record.id, ['Executing'], {
        status: 'Failed',
        reason: 'policy evaluation failed',
      })
      throw err
    }
  }

  async function requireTransfer(caller: Caller, walletId: string, transferId: string) {
    const wallet = await deps.wallets.requireWallet(caller, walletId)
    const record = await repository.find(caller.orgId, transferId)
    if (!record || record.walletId !== wallet.id || record.category !== 'transfer') {
      throw notFound('transfer', transferId, { walletId })
    }
    return record
  }

  return {
    async create(caller: Caller, walletId: string, body: TransferBody): Promise<TransferView> {
      const wallet = await deps.wallets.requireWallet(caller, walletId)
      const replayed = await replay(caller, wallet.id, body)
      if (replayed) return replayed
      const key = await deps.keys.requireKey(caller, wallet.keyId)
      deps.keys.requireLive(key)
      requireUsableBy(caller, `wallet ${wallet.id}`, key.delegatedTo)
      if (wallet.status !== 'Active') {
        throw new AppError('unprocessable', `wallet ${wallet.id} is ${wallet.status}`, {
          details: { walletId: wallet.id, status: wallet.status },
        })
      }
      const network = requireNetwork(wallet.network, 'network')
      const intent = intentOf(network, body)
      const from = wallet.address as Hex
      const rpc = deps.evm.rpcFor(network)
      const asset = await inspectTransfer(rpc, network, from, intent)
      const call = callOfTransfer(from, intent)
      const now = deps.clock.now()
      const record: TransferRecord = {
        id: newId('transfer', now.getTime()),
        orgId: caller.orgId,
        walletId: wallet.id,
        network: network.name,
        category: 'transfer',
        fromAddress: from,
        requester: { userId: caller.userId, ...(caller.tokenId ? { tokenId: caller.tokenId } : {}) },
        requestBody: body as Record<string, unknown>,
        canonicalBody: canonicalJson(body),
        plan: {
          to: call.to,
          value: call.value.toString(),
          data: call.data,
          ...(body.priority ? { priority: body.priority } : {}),
        },
        metadata: await assetMetadata(asset),
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
      // The request and its fallback job commit together: a node stopping right after this still
      // leaves a job that settles the request (Failed, never sent: it was not cleared).
      const inserted = await deps.db.transaction().execute(async (trx) => {
        if (!(await repository.insert(record, trx))) return false
        await enqueueJob(
          trx,
          {
            kind: EXECUTE_JOB,
            payload: { id: record.id },
            runAt: new Date(now.getTime() + POLICY_FALLBACK_MS),
            dedupeKey: executeJobKey(record.id, 'fallback'),
          },
          deps.clock,
        )
        return true
      })
      if (!inserted) {
        const replayedTwin = await replay(caller, wallet.id, body)
        if (replayedTwin) return replayedTwin
        throw new AppError('conflict', 'Conflicting transfer request with same externalId', {
          details: { duplicate: { externalId: body.externalId } },
        })
      }

      const decision = await govern(caller, record, wallet.tags, {
        recipient: intent.to,
        ...(asset
          ? {
              value: {
                symbol: asset.symbol,
                decimals: asset.decimals,
                amount: (intent.kind === 'Erc721' ? 1n : intent.amount).toString(),
              },
            }
          : {}),
      })
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
      const rows = await repository.list(caller.orgId, wallet.id, 'transfer', {
        limit: limit + 1,
        ...(beforeId ? { beforeId } : {}),
      })
      const page = pageOf(rows, limit)
      return { ...page, walletId: wallet.id, items: page.items.map(toTransferView) }
    },

    async get(caller: Caller, walletId: string, transferId: string) {
      return toTransferView(await requireTransfer(caller, walletId, transferId))
    },

    /** Only a request still waiting on its approval can be aborted (412 otherwise). */
    async abort(caller: Caller, walletId: string, transferId: string) {
      const record = await requireTransfer(caller, walletId, transferId)
      const aborted = await repository.transition(record.id, ['Pending'], {
        status: 'Rejected',
        reason: 'aborted',
        datePolicyResolved: deps.clock.now().toISOString(),
      })
      if (!aborted) {
        const now = (await repository.findById(record.id)) ?? record
        throw new AppError(
          'precondition_failed',
          `transfer ${record.id} is ${now.status}; only a Pending transfer can be aborted`,
          {
            details: { id: record.id, status: now.status },
          },
        )
      }
      await deps.governance?.releaseWalletRequest?.(record.id)
      return current(record.id)
    },

    /**
     * The policy engine's callback when the approval of a transfer resolves. Idempotent: only a
     * request still `Pending` moves, and its job is keyed by the request.
     */
    async onApprovalResolved(resolved: ResolvedWalletApproval): Promise<void> {
      const record = await repository.findById(resolved.requestId)
      if (record?.status !== 'Pending') return
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
          trx,
          { kind: EXECUTE_JOB, payload: { id: record.id }, dedupeKey: executeJobKey(record.id, 'approved') },
          deps.clock,
        )
      })
      deps.jobs.wake()
    },
  }
}

export type TransfersService = ReturnType<typeof createTransfersService>
