/**
 * How a signature request is carried out and ended: its lease while `Executing`, signing, and
 * every way it ends without a signature (`fail`, which also gives its velocity entry back). The
 * approval callback and the interrupted-request sweep live here too: both drive a stored request
 * to its final state, away from the HTTP request that created it.
 */
import {
  type NetworkInfo,
  produceSignature,
  requireNetwork,
  type SignatureRequestBody,
} from '../../../chains/index.ts'
import { commitOnlyIf, type Db } from '../../../db/database.ts'
import { AppError, isAppError } from '../../../errors.ts'
import type { ResolvedWalletApproval } from '../../policies/index.ts'
import type { KeyRecord } from '../keys/repository.ts'
import type { SignaturesContext } from './context.ts'
import type { SignatureRecord, SignatureStatus } from './repository.ts'

/**
 * What a request's lease must cover beyond the price lookup (policy evaluation, signing, the
 * database writes between them). A lease is `price timeout + this`; past it, the request's node is
 * taken to have stopped and the request is ended `Failed`.
 */
export const EXECUTION_LEASE_MARGIN_MS = 30_000
/** How often each node looks for interrupted requests (also once at start). */
export const INTERRUPTED_SWEEP_MS = 10_000
export const INTERRUPTED_REASON = 'interrupted: the node signing this request stopped before it finished'
const SWEEP_BATCH = 100

export type SignatureExecution = ReturnType<typeof createSignatureExecution>

/** A governed request's velocity ledger entry, written in the transaction that stores the request. */
type LedgerEntry = { record(trx: Db): Promise<void> }

export function createSignatureExecution(ctx: SignaturesContext) {
  function leaseFrom(now: Date): string {
    return new Date(now.getTime() + ctx.executionLeaseMs).toISOString()
  }

  /** Its lease ran out: the node that held it stopped (rows from before leases have none). */
  function interrupted(record: SignatureRecord): boolean {
    return record.leaseUntil === null || record.leaseUntil < ctx.clock.now().toISOString()
  }

  function transition(
    record: SignatureRecord,
    from: SignatureStatus[],
    update: Parameters<SignaturesContext['signatures']['transition']>[3],
  ): Promise<SignatureRecord | undefined> {
    return ctx.signatures.transition(record.orgId, record.id, from, update)
  }

  /**
   * Ends a request that will never be signed and, in the same transaction, takes it out of the
   * velocity windows (it moved nothing). False when it had already left `from`.
   */
  function fail(record: SignatureRecord, from: SignatureStatus[], reason: string): Promise<boolean> {
    return ctx.db.transaction().execute(async (trx) => {
      const moved = await ctx.signatures.transition(
        record.orgId,
        record.id,
        from,
        { status: 'Failed', reason },
        trx,
      )
      if (moved) await ctx.governance?.releaseWalletRequest(record.id, trx)
      return moved !== undefined
    })
  }

  /**
   * Our `Executing` request was ended by someone else meanwhile (the interrupted-request sweep):
   * whatever the policy recorded after that must not count either. Idempotent.
   */
  async function ended(record: SignatureRecord): Promise<void> {
    await ctx.governance?.releaseWalletRequest(record.id)
  }

  /** The signature of a request's body by its key (nothing is stored). */
  async function sign(record: SignatureRecord, key: KeyRecord, network: NetworkInfo) {
    const signer = await ctx.keyStore.signer({ orgId: key.orgId, keyId: key.id })
    return produceSignature({ network, signer, body: record.requestBody as SignatureRequestBody })
  }

  /** The fields a signature sets on its request. */
  function signedFields(outcome: Awaited<ReturnType<typeof sign>>) {
    return {
      status: 'Signed' as const,
      signature: outcome.signature ?? null,
      signatures: outcome.signatures ?? null,
      signedData: outcome.signedData ?? null,
      dateSigned: ctx.clock.now().toISOString(),
    }
  }

  /** Signs an `Executing` request and stores the signature: the request as stored, or undefined when it was ended meanwhile. */
  async function execute(
    record: SignatureRecord,
    key: KeyRecord,
    network: NetworkInfo,
  ): Promise<SignatureRecord | undefined> {
    let outcome: Awaited<ReturnType<typeof sign>>
    try {
      outcome = await sign(record, key, network)
    } catch (err) {
      // The key was deleted while this request was on its way: its material is gone for good.
      const gone = isAppError(err) && err.code === 'not_found'
      await fail(record, ['Executing'], gone ? `key ${key.id} was deleted` : 'signing failed')
      if (gone) throw new AppError('gone', `key ${key.id} was deleted`, { details: { keyId: key.id } })
      throw err
    }
    const signed = await transition(record, ['Executing'], signedFields(outcome))
    if (!signed) await ended(record)
    return signed
  }

  /**
   * Ends every request left `Executing` by a node that stopped (its lease ran out) as `Failed`,
   * released from the velocity windows. Run at start and every `INTERRUPTED_SWEEP_MS` on every
   * node: each request is ended by one conditional update, so concurrent sweeps end it once.
   */
  async function failInterrupted(): Promise<number> {
    let ended = 0
    for (;;) {
      const batch = await ctx.signatures.listInterrupted(ctx.clock.now().toISOString(), SWEEP_BATCH)
      for (const record of batch) if (await fail(record, ['Executing'], INTERRUPTED_REASON)) ended++
      if (batch.length < SWEEP_BATCH) return ended
    }
  }

  /**
   * The policy engine's callback when an approval on a signature request resolves. Idempotent:
   * only a request still `Pending` moves, so a handler run twice (or on two nodes) signs once.
   */
  async function onApprovalResolved(resolved: ResolvedWalletApproval): Promise<void> {
    const record = await ctx.signatures.find(resolved.orgId, resolved.requestId)
    if (record?.status !== 'Pending') return
    if (resolved.status !== 'Approved') {
      await transition(record, ['Pending'], {
        status: 'Rejected',
        reason: resolved.status === 'Denied' ? 'Denied by approvers' : 'Approval expired',
        datePolicyResolved: resolved.dateResolved,
      })
      return
    }
    const claimed = await ctx.signatures.transition(record.orgId, record.id, ['Pending'], {
      status: 'Executing',
      datePolicyResolved: resolved.dateResolved,
      leaseUntil: leaseFrom(ctx.clock.now()),
    })
    if (!claimed) return
    const key = await ctx.keys.find(record.orgId, record.keyId)
    const network = record.network ? requireNetwork(record.network) : undefined
    if (key?.status !== 'Active' || !network) {
      await fail(record, ['Executing'], `key ${record.keyId} was deleted`)
      return
    }
    await execute(record, key, network)
  }

  /**
   * Stores the request and, when governed, its velocity ledger entry in one transaction: false when
   * another request holds its externalId (nothing is stored then).
   */
  async function insertRecorded(
    record: SignatureRecord,
    governed: LedgerEntry | undefined,
  ): Promise<boolean> {
    if (!governed) return ctx.signatures.insert(record)
    return withLedgerEntry((trx) => ctx.signatures.insert(record, trx), governed)
  }

  /** `insert` and the ledger entry in one transaction; nothing commits when `insert` stored nothing. */
  function withLedgerEntry(insert: (trx: Db) => Promise<boolean>, governed: LedgerEntry): Promise<boolean> {
    return commitOnlyIf(ctx.db, async (trx) => {
      if (!(await insert(trx))) return false
      await governed.record(trx)
      return true
    })
  }

  /**
   * A request that no policy governs and that has no value to price: nothing can hold it, so it is
   * signed before it is stored, then stored once, already `Signed`, with its ledger entry (storing
   * it `Executing` and updating it after signing costs three statements more). A node that stops
   * while signing leaves nothing behind: the request was never seen, and its caller had no answer.
   * A twin with the same externalId may sign too; only the stored one is ever answered.
   * Undefined when signing failed: the caller takes the usual path, which stores the failure.
   */
  async function signBeforeStoring(
    record: SignatureRecord,
    key: KeyRecord,
    network: NetworkInfo,
    governed: LedgerEntry,
  ): Promise<SignatureRecord | 'duplicate' | undefined> {
    let outcome: Awaited<ReturnType<typeof sign>>
    try {
      outcome = await sign(record, key, network)
    } catch {
      return undefined
    }
    const signed: SignatureRecord = { ...record, ...signedFields(outcome) }
    const stored = await withLedgerEntry((trx) => ctx.signatures.insertSigned(record, signed, trx), governed)
    return stored ? signed : 'duplicate'
  }

  return {
    leaseFrom,
    interrupted,
    transition,
    fail,
    ended,
    sign,
    signedFields,
    execute,
    failInterrupted,
    onApprovalResolved,
    insertRecorded,
    signBeforeStoring,
  }
}
