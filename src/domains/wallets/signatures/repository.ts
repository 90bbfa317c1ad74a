import type { Expression, ExpressionBuilder, Selectable, SqlBool } from 'kysely'
import type { DfnsSignature } from '../../../chains/index.ts'
import { type Db, isUniqueViolation } from '../../../db/database.ts'
import { type FixedQuery, fixedQuery, type Params } from '../../../db/fixed-query.ts'
import type { Database, WalletTables } from '../../../db/schema.ts'

export type SignatureStatus = 'Pending' | 'Executing' | 'Signed' | 'Confirmed' | 'Failed' | 'Rejected'

export interface SignatureRecord {
  readonly id: string
  readonly orgId: string
  readonly walletId: string | null
  readonly keyId: string
  readonly network: string | null
  /** `wallet:wa-…` or `key:key-…`: where the request was sent. */
  readonly target: string
  readonly requester: { readonly userId: string; readonly tokenId?: string }
  readonly requestBody: Record<string, unknown>
  readonly canonicalBody: string
  readonly status: SignatureStatus
  readonly reason: string | null
  readonly signature: DfnsSignature | null
  readonly signatures: DfnsSignature[] | null
  readonly signedData: string | null
  readonly approvalId: string | null
  readonly externalId: string | null
  readonly dateRequested: string
  readonly datePolicyResolved: string | null
  readonly dateSigned: string | null
  /** While `Executing`: until when its node may still be working on it; after that it was interrupted. */
  readonly leaseUntil: string | null
}

type Row = Selectable<WalletTables['signature_requests']>

const parse = <T>(value: string | null): T | null => (value === null ? null : (JSON.parse(value) as T))

const toRecord = (row: Row): SignatureRecord => ({
  id: row.id,
  orgId: row.org_id,
  walletId: row.wallet_id,
  keyId: row.key_id,
  network: row.network,
  target: row.target,
  requester: {
    userId: row.requester_user_id,
    ...(row.requester_token_id ? { tokenId: row.requester_token_id } : {}),
  },
  requestBody: JSON.parse(row.request_body) as Record<string, unknown>,
  canonicalBody: row.canonical_body,
  status: row.status as SignatureStatus,
  reason: row.reason,
  signature: parse<DfnsSignature>(row.signature),
  signatures: parse<DfnsSignature[]>(row.signatures),
  signedData: row.signed_data,
  approvalId: row.approval_id,
  externalId: row.external_id,
  dateRequested: row.date_requested,
  datePolicyResolved: row.date_policy_resolved,
  dateSigned: row.date_signed,
  leaseUntil: row.lease_until,
})

/** What a state change writes; fields left undefined are kept. */
export interface SignatureUpdate {
  status: SignatureStatus
  reason?: string | null
  signature?: DfnsSignature | null
  signatures?: DfnsSignature[] | null
  signedData?: string | null
  approvalId?: string | null
  datePolicyResolved?: string | null
  dateSigned?: string | null
  leaseUntil?: string | null
}

/**
 * A condition on an org that one SQL statement can check as it writes; the same function for every
 * org (the org id is its one parameter), so the statement is built once.
 */
export type OrgCondition = (orgId: string) => Expression<SqlBool>

export interface SignatureRepository {
  /**
   * Inserts a new request. Returns false (instead of throwing) when another request of the org
   * already holds the externalId: the caller then replays or refuses it. Given `trx`, a false
   * answer has aborted it on PostgreSQL: the caller rolls it back.
   */
  insert(record: SignatureRecord, trx?: Db): Promise<boolean>
  /**
   * Stores a request signed before it was stored: the row is `signed`; `requested` is the request
   * as it was before signing, for whoever reports its whole history (the webhooks' events). As
   * `insert` otherwise.
   */
  insertSigned(requested: SignatureRecord, signed: SignatureRecord, trx?: Db): Promise<boolean>
  /**
   * `insert`, done only while `condition` holds for the request's org, checked by the same
   * statement: `'unmet'` when it did not hold (nothing is stored), otherwise as `insert`.
   */
  insertIf(record: SignatureRecord, condition: OrgCondition, trx?: Db): Promise<boolean | 'unmet'>
  find(orgId: string, id: string): Promise<SignatureRecord | undefined>
  findByExternalId(orgId: string, externalId: string): Promise<SignatureRecord | undefined>
  /** Newest first, by wallet or by key. */
  list(
    orgId: string,
    by: { walletId: string } | { keyId: string },
    options: { beforeId?: string; limit: number },
  ): Promise<SignatureRecord[]>
  /**
   * Applies `update` only while the status is one of `from`: the request as updated (read back by
   * the same statement), or undefined when it had left `from`.
   */
  transition(
    orgId: string,
    id: string,
    from: readonly SignatureStatus[],
    update: SignatureUpdate,
    trx?: Db,
  ): Promise<SignatureRecord | undefined>
  /**
   * `transition` alone (no transaction), applied only while `condition` also holds, checked by the
   * same statement: for a caller that owes a write of its own with the change unless the condition
   * holds (the webhooks' emitter: no event is owed in an org without an enabled webhook).
   */
  transitionIf(
    orgId: string,
    id: string,
    from: readonly SignatureStatus[],
    update: SignatureUpdate,
    condition: (eb: ExpressionBuilder<Database, 'signature_requests'>) => Expression<SqlBool>,
  ): Promise<SignatureRecord | undefined>
  /** `Executing` requests of any org whose lease ran out before `now`, oldest lease first. */
  listInterrupted(now: string, limit: number): Promise<SignatureRecord[]>
  /** Removes a request that never passed validation, so its externalId is free again. */
  remove(orgId: string, id: string): Promise<void>
}

async function applyTransition(
  executor: Db,
  orgId: string,
  id: string,
  from: readonly SignatureStatus[],
  update: SignatureUpdate,
  condition?: (eb: ExpressionBuilder<Database, 'signature_requests'>) => Expression<SqlBool>,
): Promise<SignatureRecord | undefined> {
  const set: Partial<Row> = { status: update.status }
  if (update.reason !== undefined) set.reason = update.reason
  if (update.signature !== undefined) set.signature = update.signature && JSON.stringify(update.signature)
  if (update.signatures !== undefined) set.signatures = update.signatures && JSON.stringify(update.signatures)
  if (update.signedData !== undefined) set.signed_data = update.signedData
  if (update.approvalId !== undefined) set.approval_id = update.approvalId
  if (update.datePolicyResolved !== undefined) set.date_policy_resolved = update.datePolicyResolved
  if (update.dateSigned !== undefined) set.date_signed = update.dateSigned
  if (update.leaseUntil !== undefined) set.lease_until = update.leaseUntil
  let query = executor
    .updateTable('signature_requests')
    .set(set)
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .where('status', 'in', [...from])
  if (condition) query = query.where(condition)
  const result = await query.returningAll().executeTakeFirst()
  return result && toRecord(result)
}

/** A record as its row. */
const toRow = (record: SignatureRecord): Row => ({
  id: record.id,
  org_id: record.orgId,
  wallet_id: record.walletId,
  key_id: record.keyId,
  network: record.network,
  target: record.target,
  requester_user_id: record.requester.userId,
  requester_token_id: record.requester.tokenId ?? null,
  request_body: JSON.stringify(record.requestBody),
  canonical_body: record.canonicalBody,
  status: record.status,
  reason: record.reason,
  signature: record.signature && JSON.stringify(record.signature),
  signatures: record.signatures && JSON.stringify(record.signatures),
  signed_data: record.signedData,
  approval_id: record.approvalId,
  external_id: record.externalId,
  date_requested: record.dateRequested,
  date_policy_resolved: record.datePolicyResolved,
  date_signed: record.dateSigned,
  lease_until: record.leaseUntil,
})

const rowColumns = [
  'id',
  'org_id',
  'wallet_id',
  'key_id',
  'network',
  'target',
  'requester_user_id',
  'requester_token_id',
  'request_body',
  'canonical_body',
  'status',
  'reason',
  'signature',
  'signatures',
  'signed_data',
  'approval_id',
  'external_id',
  'date_requested',
  'date_policy_resolved',
  'date_signed',
  'lease_until',
] as const satisfies readonly (keyof Row)[]
// Every column is listed: this fails to compile when one is missing.
const everyColumn: Exclude<keyof Row, (typeof rowColumns)[number]> extends never ? true : never = true
void everyColumn

/** Inserts a request: false when another request of its org holds its externalId. */
async function insertRow(executor: Db, record: SignatureRecord): Promise<boolean> {
  try {
    await executor.insertInto('signature_requests').values(toRow(record)).execute()
    return true
  } catch (err) {
    if (record.externalId !== null && isUniqueViolation(err)) return false
    throw err
  }
}

export function createSignatureRepository(db: Db): SignatureRepository {
  const insertsWhere = new Map<OrgCondition, FixedQuery<Row, { id: string }>>()
  /** `INSERT … SELECT <the row> WHERE <condition>`, built once per condition. */
  function insertWhere(condition: OrgCondition) {
    let query = insertsWhere.get(condition)
    if (!query) {
      query = fixedQuery(db, (p: Params<Row>) => {
        const columns = [...rowColumns]
        return db
          .insertInto('signature_requests')
          .columns(columns)
          .expression(
            db.selectNoFrom((eb) => columns.map((c) => eb.val(p[c]).as(c))).where(condition(p.org_id)),
          )
          .returning('id')
      })
      insertsWhere.set(condition, query)
    }
    return query
  }

  return {
    insert(record, trx = db) {
      return insertRow(trx, record)
    },

    insertSigned(_requested, signed, trx = db) {
      return insertRow(trx, signed)
    },

    async insertIf(record, condition, trx = db) {
      try {
        const inserted = await insertWhere(condition).first(toRow(record), trx)
        return inserted ? true : 'unmet'
      } catch (err) {
        if (record.externalId !== null && isUniqueViolation(err)) return false
        throw err
      }
    },

    async find(orgId, id) {
      const row = await db
        .selectFrom('signature_requests')
        .selectAll()
        .where('org_id', '=', orgId)
        .where('id', '=', id)
        .executeTakeFirst()
      return row && toRecord(row)
    },

    async findByExternalId(orgId, externalId) {
      const row = await db
        .selectFrom('signature_requests')
        .selectAll()
        .where('org_id', '=', orgId)
        .where('external_id', '=', externalId)
        .executeTakeFirst()
      return row && toRecord(row)
    },

    async list(orgId, by, { beforeId, limit }) {
      let query = db.selectFrom('signature_requests').selectAll().where('org_id', '=', orgId)
      query =
        'walletId' in by ? query.where('wallet_id', '=', by.walletId) : query.where('key_id', '=', by.keyId)
      if (beforeId !== undefined) query = query.where('id', '<', beforeId)
      const rows = await query.orderBy('id', 'desc').limit(limit).execute()
      return rows.map(toRecord)
    },

    transition(orgId, id, from, update, trx = db) {
      return applyTransition(trx, orgId, id, from, update)
    },

    transitionIf(orgId, id, from, update, condition) {
      return applyTransition(db, orgId, id, from, update, condition)
    },

    async listInterrupted(now, limit) {
      const rows = await db
        .selectFrom('signature_requests')
        .selectAll()
        .where('status', '=', 'Executing')
        .where('lease_until', '<', now)
        .orderBy('lease_until')
        .limit(limit)
        .execute()
      return rows.map(toRecord)
    },

    async remove(orgId, id) {
      await db.deleteFrom('signature_requests').where('org_id', '=', orgId).where('id', '=', id).execute()
    },
  }
}
