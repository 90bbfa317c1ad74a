import { setTimeout as sleep } from 'node:timers/promises'
import { canonicalJson } from '../../../canonical-json.ts'
import {
  type NetworkInfo,
  networkForKeySignature,
  produceSignature,
  requireBlockchainKind,
  requireNetwork,
  type SignatureRequestBody,
  transferFactsOf,
} from '../../../chains/index.ts'
import type { KeySigner } from '../../../custody/index.ts'
import { AppError, notFound } from '../../../errors.ts'
import { newId } from '../../../ids.ts'
import { pageOf } from '../../../pagination.ts'
import type { KeyRecord } from '../keys/repository.ts'
import type { KeyService } from '../keys/service.ts'
import { type Caller, type Governance, pageCursor, requireUsableBy, visibleTo } from '../shared.ts'
import type { PageQuery } from '../shared-schemas.ts'
import type { SignaturesContext, SigningWallet, WalletLookup } from './context.ts'
import { createSignatureExecution, INTERRUPTED_REASON } from './execution.ts'
import type { SignatureRecord } from './repository.ts'
import type { SignatureRequestView } from './schemas.ts'

/**
 * How long an externalId replay waits for a concurrent twin to leave `Executing` (signing takes
 * milliseconds). After that it answers the request as it stands (`Executing`); the client reads the
 * outcome with GET. A retry never blocks longer than this.
 */
const REPLAY_WAIT_MS = 5_000
const REPLAY_POLL_MS = 10
/** Thrown by the validation signer at the first signing operation: every check before it passed. */
class ValidationComplete extends Error {}

export type SignatureService = ReturnType<typeof createSignatureService>

/** What policies see of a request. */
type WalletSignActivity = Parameters<Governance['governWalletRequest']>[0]

export function toSignatureView(record: SignatureRecord): SignatureRequestView {
  return {
    id: record.id,
    ...(record.walletId ? { walletId: record.walletId } : {}),
    keyId: record.keyId,
    ...(record.network ? { network: record.network } : {}),
    requester: { ...record.requester },
    requestBody: record.requestBody,
    status: record.status,
    ...(record.reason !== null ? { reason: record.reason } : {}),
    ...(record.signature ? { signature: record.signature } : {}),
    ...(record.signatures ? { signatures: record.signatures } : {}),
    ...(record.signedData !== null ? { signedData: record.signedData } : {}),
    ...(record.approvalId !== null ? { approvalId: record.approvalId } : {}),
    ...(record.externalId !== null ? { externalId: record.externalId } : {}),
    dateRequested: record.dateRequested,
    ...(record.datePolicyResolved ? { datePolicyResolved: record.datePolicyResolved } : {}),
    ...(record.dateSigned ? { dateSigned: record.dateSigned } : {}),
  }
}

/**
 * Signature requests on `/wallets/:id/signatures` and `/keys/:id/signatures`. The order of a request:
 *   1. target lookup (404), externalId replay (200 original / 409) before anything else;
 *   2. state: deleted key 410, archived or inactive wallet 422;
 *   3. validation of the body against the network (400 naming the field), without the key;
 *   4. insert (`Executing`) — the unique (org, externalId) index makes concurrent twins replays;
 *   5. policy (both routes): Rejected / Pending with approvalId / proceed;
 *   6. signing through the key store, outside any transaction, then `Signed`.
 * A request that ends without a signature after the policy let it through (signing failed, key
 * deleted, interrupted) gives its velocity entry back in the transaction that ends it.
 */
export function createSignatureService(ctx: SignaturesContext, keys: KeyService, wallets: WalletLookup) {
  const execution = createSignatureExecution(ctx)
  const { interrupted, fail, ended, transition, execute, insertRecorded, signBeforeStoring } = execution

  /**
   * Runs every input check src/chains makes, without the key: a signer that holds only the public
   * key stops the run at its first signing operation, after all parsing is done.
   */
  async function validate(network: NetworkInfo, key: KeyRecord, body: SignatureRequestBody): Promise<void> {
    const validationSigner: KeySigner = {
      scheme: key.scheme,
      curve: key.curve,
      publicKey: Uint8Array.from(Buffer.from(key.publicKey, 'hex')),
      sign: async () => {
        throw new ValidationComplete()
      },
    }
    try {
      await produceSignature({ network, signer: validationSigner, body })
    } catch (err) {
      if (err instanceof ValidationComplete) return
      throw err
    }
  }

  function requireKeyAlive(key: KeyRecord): void {
    keys.requireLive(key)
  }

  function conflict(existing: SignatureRecord): AppError {
    return new AppError('conflict', 'Conflicting signature request with same externalId', {
      details: { duplicate: { id: existing.id, externalId: existing.externalId } },
    })
  }

  /** The idempotent answer to a request whose externalId is taken: the original, or a 409. */
  async function replay(
    orgId: string,
    externalId: string,
    target: string,
    canonicalBody: string,
  ): Promise<SignatureRequestView | undefined> {
    let existing = await ctx.signatures.findByExternalId(orgId, externalId)
    if (!existing) return undefined
    if (existing.target !== target || existing.canonicalBody !== canonicalBody) throw conflict(existing)
    // The original may be being signed right now (a concurrent twin): wait a little for its outcome.
    // One whose lease ran out was interrupted: end it now rather than wait for the sweep.
    const patience = AbortSignal.timeout(REPLAY_WAIT_MS)
    while (existing.status === 'Executing') {
      if (interrupted(existing)) await fail(existing, ['Executing'], INTERRUPTED_REASON)
      else if (patience.aborted) break
      else await sleep(REPLAY_POLL_MS)
      const latest = await ctx.signatures.find(orgId, existing.id)
      if (!latest) break
      existing = latest
    }
    return toSignatureView(existing)
  }

  async function current(record: SignatureRecord): Promise<SignatureRequestView> {
    const found = await ctx.signatures.find(record.orgId, record.id)
    if (!found) throw new Error(`signature request ${record.id} vanished`)
    return toSignatureView(found)
  }

  interface Submission {
    caller: Caller
    key: KeyRecord
    /** The wallet route's wallet; absent on the key route. */
    wallet?: SigningWallet
    /** Key route: every wallet on the key, which its policies' filters are matched against. */
    keyWallets?: readonly SigningWallet[]
    network: NetworkInfo
    target: string
    body: SignatureRequestBody
  }

  /** Both routes are governed by `Wallets:Sign` policies (policies README, "Key signatures"). */
  function activityOf(s: Submission, record: SignatureRecord): WalletSignActivity {
    const { caller, key, wallet, network, body } = s
    return {
      kind: 'Wallets:Sign',
      orgId: caller.orgId,
      ...(wallet
        ? { walletId: wallet.id, walletTags: wallet.tags }
        : { walletTags: [], keyWallets: (s.keyWallets ?? []).map((w) => ({ id: w.id, tags: w.tags })) }),
      keyId: key.id,
      requestId: record.id,
      requestField: 'signatureRequest',
      // As approvers see it: the request waits on them.
      request: { ...toSignatureView(record), status: 'Pending' },
      initiator: {
        userId: caller.userId,
        kind: caller.kind,
        tokenId: caller.tokenId,
        appId: caller.appId,
      },
      ...(caller.policiesVersion !== undefined ? { policiesVersion: caller.policiesVersion } : {}),
      network: network.name,
      ...transferFactsOf(network, body),
    }
  }

  /** Another request holds this one's externalId: the winner's request is the answer (or a 409). */
  async function lostExternalIdRace(record: SignatureRecord): Promise<SignatureRequestView> {
    const replayed = await replay(
      record.orgId,
      record.externalId as string,
      record.target,
      record.canonicalBody,
    )
    if (replayed) return replayed
    throw new AppError('conflict', 'Conflicting signature request with same externalId', {
      details: { duplicate: { externalId: record.externalId } },
    })
  }

  async function submit(s: Submission): Promise<SignatureRequestView> {
    const { caller, key, wallet, network, target, body } = s
    const externalId = typeof body.externalId === 'string' ? body.externalId : null
    const canonicalBody = canonicalJson(body)
    const now = ctx.clock.now()
    const record: SignatureRecord = {
      id: newId('signature', now.getTime()),
      orgId: caller.orgId,
      walletId: wallet?.id ?? null,
      keyId: key.id,
      network: network.name,
      target,
      requester: { userId: caller.userId, tokenId: caller.tokenId },
      requestBody: body as Record<string, unknown>,
      canonicalBody,
      status: 'Executing',
      reason: null,
      signature: null,
      signatures: null,
      signedData: null,
      approvalId: null,
      externalId,
      dateRequested: now.toISOString(),
      datePolicyResolved: null,
      dateSigned: null,
      leaseUntil: execution.leaseFrom(now),
    }
    const activity = ctx.governance && activityOf(s, record)
    // With no value to price, governance waits on nothing outside the database: the policies are
    // read first and the ledger entry commits with the request. A value to price may wait on the
    // network, so such a request is stored (visible, `Executing`, under its lease) before that.
    const early =
      ctx.governance && activity && activity.value === undefined
        ? await ctx.governance.prepareWalletRequest(activity)
        : undefined
    if (early?.unpoliced) {
      const signed = await signBeforeStoring(record, key, network, early)
      if (signed === 'duplicate') return lostExternalIdRace(record)
      if (signed) return toSignatureView(signed)
    }
    if (!(await insertRecorded(record, early))) return lostExternalIdRace(record)

    if (ctx.governance && activity) {
      let decision: Awaited<ReturnType<typeof ctx.governance.governWalletRequest>>
      try {
        decision = await (early ? early.decide() : ctx.governance.governWalletRequest(activity))
      } catch (err) {
        await fail(record, ['Executing'], 'policy evaluation failed')
        throw err
      }
      const resolvedAt = ctx.clock.now().toISOString()
      if (decision.status === 'Rejected') {
        await transition(record, ['Executing'], {
          status: 'Rejected',
          reason: decision.reason,
          datePolicyResolved: resolvedAt,
        })
        return current(record)
      }
      if (decision.status === 'Pending') {
        const waiting = await transition(record, ['Executing'], {
          status: 'Pending',
          approvalId: decision.approvalId,
        })
        if (!waiting) await ended(record)
        return current(record)
      }
      if (decision.evaluations.length > 0) {
        const still = await transition(record, ['Executing'], {
          status: 'Executing',
          datePolicyResolved: resolvedAt,
        })
        if (!still) {
          await ended(record)
          return current(record)
        }
      }
    }
    const signed = await execute(record, key, network)
    return signed ? toSignatureView(signed) : current(record)
  }

  function hintsMustMatch(network: NetworkInfo, body: SignatureRequestBody): void {
    if (body.network !== undefined && body.network !== network.name) {
      requireNetwork(body.network, 'network')
      throw new AppError(
        'validation_failed',
        `network must be ${network.name}, the wallet's network, or left out.`,
        {
          details: { field: 'network', network: network.name, value: body.network },
        },
      )
    }
    if (body.blockchainKind !== undefined && body.blockchainKind !== network.blockchainKind) {
      requireBlockchainKind(body.blockchainKind)
      throw new AppError(
        'validation_failed',
        `blockchainKind must be ${network.blockchainKind ?? 'left out'} for a ${network.name} wallet.`,
        { details: { field: 'blockchainKind', network: network.name, value: body.blockchainKind } },
      )
    }
  }

  async function replayFirst(caller: Caller, target: string, body: SignatureRequestBody) {
    if (typeof body.externalId !== 'string') return undefined
    return replay(caller.orgId, body.externalId, target, canonicalJson(body))
  }

  return {
    async createForWallet(caller: Caller, walletId: string, body: SignatureRequestBody) {
      const { wallet, key } = await wallets.requireWalletWithKey(caller, walletId)
      const target = `wallet:${wallet.id}`
      const replayed = await replayFirst(caller, target, body)
      if (replayed) return replayed
      if (!visibleTo(caller, key.delegatedTo)) throw notFound('key', key.id)
      requireKeyAlive(key)
      requireUsableBy(caller, `wallet ${wallet.id}`, key.delegatedTo)
      if (wallet.status !== 'Active') {
        throw new AppError('unprocessable', `wallet ${wallet.id} is ${wallet.status}`, {
          details: { walletId: wallet.id, status: wallet.status },
        })
      }
      const network = requireNetwork(wallet.network, 'network')
      hintsMustMatch(network, body)
      await validate(network, key, body)
      return submit({ caller, key, wallet, network, target, body })
    },

    async createForKey(caller: Caller, keyId: string, body: SignatureRequestBody) {
      const key = await keys.requireKey(caller, keyId)
      const target = `key:${key.id}`
      const replayed = await replayFirst(caller, target, body)
      if (replayed) return replayed
      requireKeyAlive(key)
      requireUsableBy(caller, `key ${key.id}`, key.delegatedTo)
      const network = networkForKeySignature(key, {
        network: body.network,
        blockchainKind: body.blockchainKind,
      })
      await validate(network, key, body)
      const keyWallets = await ctx.wallets.listByKey(caller.orgId, key.id)
      return submit({ caller, key, keyWallets, network, target, body })
    },

    async listForWallet(caller: Caller, walletId: string, query: PageQuery) {
      const wallet = await wallets.requireWallet(caller, walletId)
      const { limit, beforeId } = pageCursor(query)
      const rows = await ctx.signatures.list(
        caller.orgId,
        { walletId: wallet.id },
        { limit: limit + 1, ...(beforeId ? { beforeId } : {}) },
      )
      const page = pageOf(rows, limit)
      return { ...page, items: page.items.map(toSignatureView), keyId: wallet.keyId }
    },

    async listForKey(caller: Caller, keyId: string, query: PageQuery) {
      const key = await keys.requireKey(caller, keyId)
      const { limit, beforeId } = pageCursor(query)
      const rows = await ctx.signatures.list(
        caller.orgId,
        { keyId: key.id },
        { limit: limit + 1, ...(beforeId ? { beforeId } : {}) },
      )
      const page = pageOf(rows, limit)
      return { ...page, items: page.items.map(toSignatureView), keyId: key.id }
    },

    async getForWallet(caller: Caller, walletId: string, signatureId: string) {
      const wallet = await wallets.requireWallet(caller, walletId)
      const record = await ctx.signatures.find(caller.orgId, signatureId)
      if (!record || record.walletId !== wallet.id)
        throw notFound('signature request', signatureId, { walletId })
      return toSignatureView(record)
    },

    async getForKey(caller: Caller, keyId: string, signatureId: string) {
      const key = await keys.requireKey(caller, keyId)
      const record = await ctx.signatures.find(caller.orgId, signatureId)
      if (!record || record.keyId !== key.id) throw notFound('signature request', signatureId, { keyId })
      return toSignatureView(record)
    },

    failInterrupted: execution.failInterrupted,
    onApprovalResolved: execution.onApprovalResolved,
  }
}
