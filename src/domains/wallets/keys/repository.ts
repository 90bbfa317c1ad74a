import type { Selectable, Transaction } from 'kysely'
import { Value } from 'typebox/value'
import { type Db, isUniqueViolation } from '../../../db/database.ts'
import type { Database, WalletTables } from '../../../db/schema.ts'
import { AppError } from '../../../errors.ts'
import { Curve, Scheme } from './schemas.ts'

export type KeyStatus = 'Active' | 'Archived'

/** A key as the domain sees it (public half and state; the private half lives in custody). */
export interface KeyRecord {
  readonly id: string
  readonly orgId: string
  readonly scheme: Scheme
  readonly curve: Curve
  /** Hex without 0x: compressed SEC1 for secp256k1, 32 bytes for ed25519. */
  readonly publicKey: string
  readonly name: string | null
  readonly status: KeyStatus
  readonly delegatedTo: string | null
  readonly delayDelegation: boolean
  readonly imported: boolean
  readonly exported: boolean
  readonly dateExported: string | null
  readonly dateCreated: string
  readonly dateDeleted: string | null
}

type KeyRow = Selectable<WalletTables['keys']>
type Executor = Db | Transaction<Database>

/** A stored scheme or curve walletd does not know is corruption, not a key to hand out. */
function known<T>(schema: typeof Scheme | typeof Curve, value: string, row: KeyRow): T {
  if (!Value.Check(schema, value)) {
    throw new AppError('internal', undefined, {
      cause: new Error(`key ${row.id} has an unknown scheme or curve: ${row.scheme}/${row.curve}`),
    })
  }
  return value as T
}

export const toKeyRecord = (row: KeyRow): KeyRecord => ({
  id: row.id,
  orgId: row.org_id,
  scheme: known<Scheme>(Scheme, row.scheme, row),
  curve: known<Curve>(Curve, row.curve, row),
  publicKey: row.public_key,
  name: row.name,
  status: row.status as KeyStatus,
  delegatedTo: row.delegated_to,
  delayDelegation: row.delay_delegation === 1,
  imported: row.imported === 1,
  exported: row.exported === 1,
  dateExported: row.date_exported,
  dateCreated: row.date_created,
  dateDeleted: row.date_deleted,
})

const toRow = (key: KeyRecord): KeyRow => ({
  id: key.id,
  org_id: key.orgId,
  scheme: key.scheme,
  curve: key.curve,
  public_key: key.publicKey,
  name: key.name,
  status: key.status,
  delegated_to: key.delegatedTo,
  delay_delegation: key.delayDelegation ? 1 : 0,
  imported: key.imported ? 1 : 0,
  exported: key.exported ? 1 : 0,
  date_exported: key.dateExported,
  date_created: key.dateCreated,
  date_deleted: key.dateDeleted,
})

export interface KeyRepository {
  insert(key: KeyRecord, trx?: Executor): Promise<void>
  find(orgId: string, keyId: string): Promise<KeyRecord | undefined>
  findMany(orgId: string, keyIds: readonly string[]): Promise<Map<string, KeyRecord>>
  /** Newest first; `beforeId` is the cursor (ids are time-ordered). */
  list(
    orgId: string,
    options: { beforeId?: string; limit: number; delegatedTo?: string },
  ): Promise<KeyRecord[]>
  rename(orgId: string, keyId: string, name: string | null): Promise<void>
  /** Archives the key; false when it was already archived (another request got there first). */
  archive(orgId: string, keyId: string, date: string, trx?: Executor): Promise<boolean>
  /** Marks the key exported; false when it already was (a concurrent export won). */
  markExported(orgId: string, keyId: string, date: string): Promise<boolean>
  /** Delegates the key; false when it already was (delegation is irreversible). */
  delegate(orgId: string, keyId: string, userId: string, trx?: Executor): Promise<boolean>
}

export function createKeyRepository(db: Db): KeyRepository {
  return {
    async insert(key, trx = db) {
      try {
        await trx.insertInto('keys').values(toRow(key)).execute()
      } catch (err) {
        if (isUniqueViolation(err)) {
          throw new AppError('conflict', `key ${key.id} already exists`, { details: { keyId: key.id } })
        }
        throw err
      }
    },

    async find(orgId, keyId) {
      const row = await db
        .selectFrom('keys')
        .selectAll()
        .where('org_id', '=', orgId)
        .where('id', '=', keyId)
        .executeTakeFirst()
      return row && toKeyRecord(row)
    },

    async findMany(orgId, keyIds) {
      const found = new Map<string, KeyRecord>()
      if (keyIds.length === 0) return found
      const rows = await db
        .selectFrom('keys')
        .selectAll()
        .where('org_id', '=', orgId)
        .where('id', 'in', [...new Set(keyIds)])
        .execute()
      for (const row of rows) found.set(row.id, toKeyRecord(row))
      return found
    },

    async list(orgId, { beforeId, limit, delegatedTo }) {
      let query = db.selectFrom('keys').selectAll().where('org_id', '=', orgId)
      if (delegatedTo !== undefined) query = query.where('delegated_to', '=', delegatedTo)
      if (beforeId !== undefined) query = query.where('id', '<', beforeId)
      const rows = await query.orderBy('id', 'desc').limit(limit).execute()
      return rows.map(toKeyRecord)
    },

    async rename(orgId, keyId, name) {
      await db.updateTable('keys').set({ name }).where('org_id', '=', orgId).where('id', '=', keyId).execute()
    },

    async archive(orgId, keyId, date, trx = db) {
      const result = await trx
        .updateTable('keys')
        .set({ status: 'Archived', date_deleted: date })
        .where('org_id', '=', orgId)
        .where('id', '=', keyId)
        .where('status', '=', 'Active')
        .executeTakeFirst()
      return Number(result.numUpdatedRows) === 1
    },

    async markExported(orgId, keyId, date) {
      const result = await db
        .updateTable('keys')
        .set({ exported: 1, date_exported: date })
        .where('org_id', '=', orgId)
        .where('id', '=', keyId)
        .where('exported', '=', 0)
        .executeTakeFirst()
      return Number(result.numUpdatedRows) === 1
    },

    async delegate(orgId, keyId, userId, trx = db) {
      const result = await trx
        .updateTable('keys')
        .set({ delegated_to: userId })
        .where('org_id', '=', orgId)
        .where('id', '=', keyId)
        .where('delegated_to', 'is', null)
        .executeTakeFirst()
      return Number(result.numUpdatedRows) === 1
    },
  }
}
