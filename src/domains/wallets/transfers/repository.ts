import type { Selectable, Transaction } from 'kysely'
import type { Db } from '../../../db/database.ts'
import type { Database, TransferTables } from '../../../db/schema.ts'

export type TransferStatus = 'Pending' | 'Executing' | 'Broadcasted' | 'Confirmed' | 'Failed' | 'Rejected'
export type TransferCategory = 'transfer' | 'transaction'

/** What the executor does on chain, fixed when the request is accepted. Amounts are decimal strings. */
export interface TransferPlan {
  readonly to: string | null
  readonly value: string
  readonly data: string
  readonly priority?: 'Slow' | 'Standard' | 'Fast'
  /** Fields the caller fixed (transactions); the executor fills the rest. */
  readonly nonce?: number
  readonly gasLimit?: string
  readonly maxFeePerGas?: string
  readonly maxPriorityFeePerGas?: string
  /** A serialized legacy transaction stays legacy (`gasPrice`); everything else is EIP-1559. */
  readonly type?: 'legacy' | 'eip1559'
  readonly gasPrice?: string
  readonly accessList?: readonly { address: string; storageKeys: readonly string[] }[]
  /** Set on a cancel or speed-up: the nonce is the original's, not a new one. */
  readonly replacementOf?: string
}

export interface TransferRecord {
  readonly id: string
  readonly orgId: string
  readonly walletId: string
  readonly network: string
  readonly category: TransferCategory
  readonly fromAddress: string
  readonly requester: { readonly userId: string; readonly tokenId?: string }
  readonly requestBody: Record<string, unknown>
  readonly canonicalBody: string
  readonly plan: TransferPlan
  readonly metadata: Record<string, unknown> | null
  readonly status: TransferStatus
  /** The policies let it through (at once or by approval): only then may it reach the chain. */
  readonly cleared: boolean
  readonly reason: string | null
  readonly approvalId: string | null
  readonly externalId: string | null
  readonly nonce: number | null
  readonly signedTx: string | null
  readonly txHash: string | null
  readonly fee: string | null
  readonly details: Record<string, unknown> | null
  readonly replacementId: string | null
  readonly replacesId: string | null
  readonly dateRequested: string
  readonly datePolicyResolved: string | null
  readonly dateBroadcasted: string | null
  readonly dateConfirmed: string | null
}

type Row = Selectable<TransferTables['transfer_requests']>
type Executor = Db | Transaction<Database>

const json = <T>(v: string | null): T | null => (v === null ? null : (JSON.parse(v) as T))

function toRecord(row: Row): TransferRecord {
  return {
    id: row.id,
    orgId: row.org_id,
    walletId: row.wallet_id,
    network: row.network,
    category: row.category as TransferCategory,
    fromAddress: row.from_address,
    requester: {
      userId: row.requester_user_id,
      ...(row.requester_token_id ? { tokenId: row.requester_token_id } : {}),
    },
    requestBody: JSON.parse(row.request_body) as Record<string, unknown>,
    canonicalBody: row.canonical_body,
    plan: JSON.parse(row.plan) as TransferPlan,
    metadata: json(row.metadata),
    status: row.status as TransferStatus,
    cleared: row.cleared === 1,
    reason: row.reason,
    approvalId: row.approval_id,
    externalId: row.external_id,
    nonce: row.nonce === null ? null : Number(row.nonce),
    signedTx: row.signed_tx,
    txHash: row.tx_hash,
    fee: row.fee,
    details: json(row.details),
    replacementId: row.replacement_id,
    replacesId: row.replaces_id,
    dateRequested: row.date_requested,
    datePolicyResolved: row.date_policy_resolved,
    dateBroadcasted: row.date_broadcasted,
    dateConfirmed: row.date_confirmed,
  }
}

/** A state change; fields left undefined are kept. */
export interface TransferUpdate {
  status?: TransferStatus
  cleared?: boolean
  reason?: string | null
  approvalId?: string | null
  nonce?: number | null
  signedTx?: string | null
  txHash?: string | null
  fee?: string | null
  details?: Record<string, unknown> | null
  replacementId?: string | null
  datePolicyResolved?: string | null
  dateBroadcasted?: string | null
  dateConfirmed?: string | null
}

function toSet(update: TransferUpdate): Partial<Row> {
  const set: Partial<Row> = {}
  if (update.status !== undefined) set.status = update.status
  if (update.cleared !== undefined) set.cleared = update.cleared ? 1 : 0
  if (update.reason !== undefined) set.reason = update.reason
  if (update.approvalId !== undefined) set.approval_id = update.approvalId
  if (update.nonce !== undefined) set.nonce = update.nonce
  if (update.signedTx !== undefined) set.signed_tx = update.signedTx
  if (update.txHash !== undefined) set.tx_hash = update.txHash
  if (update.fee !== undefined) set.fee = update.fee
  if (update.details !== undefined) set.details = update.details && JSON.stringify(update.details)
  if (update.replacementId !== undefined) set.replacement_id = update.replacementId
  if (update.datePolicyResolved !== undefined) set.date_policy_resolved = update.datePolicyResolved
  if (update.dateBroadcasted !== undefined) set.date_broadcasted = update.dateBroadcasted
  if (update.dateConfirmed !== undefined) set.date_confirmed = update.dateConfirmed
  return set
}

export interface TransferRepository {
  /** False when the org already has a request of this category with the externalId. */
  insert(record: TransferRecord, db?: Executor): Promise<boolean>
  find(orgId: string, id: string, db?: Executor): Promise<TransferRecord | undefined>
  /** By id alone: for the executor, whose job payload names the request. */
  findById(id: string, db?: Executor): Promise<TransferRecord | undefined>
  findByExternalId(
    orgId: string,
    category: TransferCategory,
    externalId: string,
  ): Promise<TransferRecord | undefined>
  list(
    orgId: string,
    walletId: string,
    category: TransferCategory,
    options: { beforeId?: string; limit: number },
  ): Promise<TransferRecord[]>
  /** Applies `update` only while the status is one of `from`; false when it was not. */
  transition(
    id: string,
    from: readonly TransferStatus[],
    update: TransferUpdate,
    db?: Executor,
  ): Promise<boolean>
  /**
   * Points a `Broadcasted` request at its replacement (cancel / speed-up); false when it is no
   * longer `Broadcasted` or already has one, so two concurrent replacements cannot both win.
   */
  markReplaced(id: string, replacementId: string, db: Executor): Promise<boolean>
  /**
   * Takes the next nonce of a sender, inside the caller's transaction. `chainNonce` (the chain's
   * pending count, read before the transaction) seeds the counter the first time and moves it
   * forward when the chain is ahead (the address also sent transactions walletd did not build).
   */
  takeNonce(network: string, address: string, chainNonce: number, trx: Transaction<Database>): Promise<number>
  /** Hands back the nonce taken last if nothing else took one since (a transaction the chain refused). */
  returnNonce(network: string, address: string, nonce: number): Promise<boolean>
}

export function createTransferRepository(db: Db): TransferRepository {
  return {
    async insert(record, executor = db) {
      // ON CONFLICT, not a caught unique violation: on PostgreSQL a violation would abort the
      // caller's transaction.
      const result = await executor
        .insertInto('transfer_requests')
        .values({
          id: record.id,
          org_id: record.orgId,
          wallet_id: record.walletId,
          network: record.network,
          category: record.category,
          from_address: record.fromAddress,
          requester_user_id: record.requester.userId,
          requester_token_id: record.requester.tokenId ?? null,
          request_body: JSON.stringify(record.requestBody),
          canonical_body: record.canonicalBody,
          plan: JSON.stringify(record.plan),
          metadata: record.metadata && JSON.stringify(record.metadata),
          status: record.status,
          cleared: record.cleared ? 1 : 0,
          reason: record.reason,
          approval_id: record.approvalId,
          external_id: record.externalId,
          nonce: record.nonce,
          signed_tx: record.signedTx,
          tx_hash: record.txHash,
          fee: record.fee,
          details: record.details && JSON.stringify(record.details),
          replacement_id: record.replacementId,
          replaces_id: record.replacesId,
          date_requested: record.dateRequested,
          date_policy_resolved: record.datePolicyResolved,
          date_broadcasted: record.dateBroadcasted,
          date_confirmed: record.dateConfirmed,
        })
        .onConflict((oc) => oc.columns(['org_id', 'category', 'external_id']).doNothing())
        .executeTakeFirst()
      return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0
    },

    async find(orgId, id, executor = db) {
      const row = await executor
        .selectFrom('transfer_requests')
        .selectAll()
        .where('org_id', '=', orgId)
        .where('id', '=', id)
        .executeTakeFirst()
      return row && toRecord(row)
    },

    async findById(id, executor = db) {
      const row = await executor
        .selectFrom('transfer_requests')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirst()
      return row && toRecord(row)
    },

    async findByExternalId(orgId, category, externalId) {
      const row = await db
        .selectFrom('transfer_requests')
        .selectAll()
        .where('org_id', '=', orgId)
        .where('category', '=', category)
        .where('external_id', '=', externalId)
        .executeTakeFirst()
      return row && toRecord(row)
    },

    async list(orgId, walletId, category, { beforeId, limit }) {
      let query = db
        .selectFrom('transfer_requests')
        .selectAll()
        .where('org_id', '=', orgId)
        .where('wallet_id', '=', walletId)
        .where('category', '=', category)
      if (beforeId !== undefined) query = query.where('id', '<', beforeId)
      const rows = await query.orderBy('id', 'desc').limit(limit).execute()
      return rows.map(toRecord)
    },

    async transition(id, from, update, executor = db) {
      const result = await executor
        .updateTable('transfer_requests')
        .set(toSet(update))
        .where('id', '=', id)
        .where('status', 'in', [...from])
        .executeTakeFirst()
      return Number(result.numUpdatedRows) === 1
    },

    async markReplaced(id, replacementId, executor) {
      const result = await executor
        .updateTable('transfer_requests')
        .set({ replacement_id: replacementId })
        .where('id', '=', id)
        .where('status', '=', 'Broadcasted')
        .where('replacement_id', 'is', null)
        .executeTakeFirst()
      return Number(result.numUpdatedRows) === 1
    },

    async takeNonce(network, address, chainNonce, trx) {
      await trx
        .insertInto('evm_nonces')
        .values({ network, address, next_nonce: chainNonce })
        .onConflict((oc) => oc.columns(['network', 'address']).doNothing())
        .execute()
      // The row lock taken by this UPDATE (PostgreSQL) or the write lock (SQLite) serialises every
      // sender's nonce takers until the signed transaction is stored and committed.
      const row = await trx
        .updateTable('evm_nonces')
        .set((eb) => ({
          next_nonce: eb
            .case()
            .when('next_nonce', '<', chainNonce)
            .then(chainNonce + 1)
            .else(eb('next_nonce', '+', 1))
            .end(),
        }))
        .where('network', '=', network)
        .where('address', '=', address)
        .returning('next_nonce')
        .executeTakeFirstOrThrow()
      return Number(row.next_nonce) - 1
    },

    async returnNonce(network, address, nonce) {
      const result = await db
        .updateTable('evm_nonces')
        .set({ next_nonce: nonce })
        .where('network', '=', network)
        .where('address', '=', address)
        .where('next_nonce', '=', nonce + 1)
        .executeTakeFirst()
      return Number(result.numUpdatedRows) === 1
    },
  }
}
