import type { Selectable, Transaction } from 'kysely'
import type { Db } from '../../db/database.ts'
import { fixedQuery, type Params } from '../../db/fixed-query.ts'
import type { Database, WalletTables } from '../../db/schema.ts'
import { AppError } from '../../errors.ts'
import { type KeyRecord, toKeyRecord } from './keys/repository.ts'

export type WalletStatus = 'Active' | 'Inactive' | 'Archived'

/** A wallet row as the domain sees it; the view joins its key for `signingKey`. */
export interface WalletRecord {
  readonly id: string
  readonly orgId: string
  readonly keyId: string
  readonly network: string
  readonly address: string | null
  readonly name: string | null
  readonly status: WalletStatus
  readonly externalId: string | null
  readonly tags: readonly string[]
  readonly delegatedTo: string | null
  readonly delayDelegation: boolean
  readonly dateCreated: string
  readonly dateDeleted: string | null
}

type WalletRow = Selectable<WalletTables['wallets']>
type Executor = Db | Transaction<Database>

export const toWalletRecord = (row: WalletRow): WalletRecord => ({
  id: row.id,
  orgId: row.org_id,
  keyId: row.key_id,
  network: row.network,
  address: row.address,
  name: row.name,
  status: row.status as WalletStatus,
  externalId: row.external_id,
  tags: JSON.parse(row.tags) as string[],
  delegatedTo: row.delegated_to,
  delayDelegation: row.delay_delegation === 1,
  dateCreated: row.date_created,
  dateDeleted: row.date_deleted,
})

export const toWalletRow = (wallet: WalletRecord): WalletRow => ({
  id: wallet.id,
  org_id: wallet.orgId,
  key_id: wallet.keyId,
  network: wallet.network,
  address: wallet.address,
  name: wallet.name,
  status: wallet.status,
  external_id: wallet.externalId,
  tags: JSON.stringify(wallet.tags),
  delegated_to: wallet.delegatedTo,
  delay_delegation: wallet.delayDelegation ? 1 : 0,
  date_created: wallet.dateCreated,
  date_deleted: wallet.dateDeleted,
})

export interface WalletRepository {
  insert(wallet: WalletRecord, trx?: Executor): Promise<void>
  /** Bulk insert for seeding (benchmarks, fixtures): one statement per call. */
  insertMany(wallets: readonly WalletRecord[]): Promise<void>
  find(orgId: string, walletId: string): Promise<WalletRecord | undefined>
  /** The wallet and its key in one query (the hot read and signing paths need both). */
  findWithKey(orgId: string, walletId: string): Promise<{ wallet: WalletRecord; key: KeyRecord } | undefined>
  /** Newest first; `beforeId` is the cursor (ids are time-ordered). */
  list(
    orgId: string,
    options: { beforeId?: string; limit: number; delegatedTo?: string },
  ): Promise<WalletRecord[]>
  listByKey(orgId: string, keyId: string): Promise<WalletRecord[]>
  update(
    orgId: string,
    walletId: string,
    patch: { name?: string | null; externalId?: string | null },
  ): Promise<void>
  /**
   * Replaces the tags with `change(current)`: compare-and-set on the stored JSON, retried, so two
   * concurrent tag edits never lose one another on either database.
   */
  changeTags(orgId: string, walletId: string, change: (current: readonly string[]) => string[]): Promise<void>
  archiveByKey(orgId: string, keyId: string, date: string, trx?: Executor): Promise<void>
  delegateByKey(orgId: string, keyId: string, userId: string, trx?: Executor): Promise<void>
}

export function createWalletRepository(db: Db): WalletRepository {
  // Every wallet route reads its wallet with its key: built once.
  const withKey = fixedQuery(db, (p: Params<{ orgId: string; walletId: string }>) =>
    db
      .selectFrom('wallets as w')
      .innerJoin('keys as k', (join) =>
        join.onRef('k.id', '=', 'w.key_id').onRef('k.org_id', '=', 'w.org_id'),
      )
      .selectAll('w')
      .select([
        'k.scheme as key_scheme',
        'k.curve as key_curve',
        'k.public_key as key_public_key',
        'k.name as key_name',
        'k.status as key_status',
        'k.delegated_to as key_delegated_to',
        'k.delay_delegation as key_delay_delegation',
        'k.imported as key_imported',
        'k.exported as key_exported',
        'k.date_exported as key_date_exported',
        'k.date_created as key_date_created',
        'k.date_deleted as key_date_deleted',
      ])
      .where('w.org_id', '=', p.orgId)
      .where('w.id', '=', p.walletId),
  )
  return {
    async insert(wallet, trx = db) {
      await trx.insertInto('wallets').values(toWalletRow(wallet)).execute()
    },

    async insertMany(wallets) {
      if (wallets.length) await db.insertInto('wallets').values(wallets.map(toWalletRow)).execute()
    },

    async find(orgId, walletId) {
      const row = await db
        .selectFrom('wallets')
        .selectAll()
        .where('org_id', '=', orgId)
        .where('id', '=', walletId)
        .executeTakeFirst()
      return row && toWalletRecord(row)
    },

    async findWithKey(orgId, walletId) {
      const row = await withKey.first({ orgId, walletId })
      if (!row) return undefined
      const key = toKeyRecord({
        id: row.key_id,
        org_id: row.org_id,
        scheme: row.key_scheme,
        curve: row.key_curve,
        public_key: row.key_public_key,
        name: row.key_name,
        status: row.key_status,
        delegated_to: row.key_delegated_to,
        delay_delegation: row.key_delay_delegation,
        imported: row.key_imported,
        exported: row.key_exported,
        date_exported: row.key_date_exported,
        date_created: row.key_date_created,
        date_deleted: row.key_date_deleted,
      })
      return { wallet: toWalletRecord(row), key }
    },

    async list(orgId, { beforeId, limit, delegatedTo }) {
      let query = db.selectFrom('wallets').selectAll().where('org_id', '=', orgId)
      if (delegatedTo !== undefined) query = query.where('delegated_to', '=', delegatedTo)
      if (beforeId !== undefined) query = query.where('id', '<', beforeId)
      const rows = await query.orderBy('id', 'desc').limit(limit).execute()
      return rows.map(toWalletRecord)
    },

    async listByKey(orgId, keyId) {
      const rows = await db
        .selectFrom('wallets')
        .selectAll()
        .where('org_id', '=', orgId)
        .where('key_id', '=', keyId)
        .orderBy('id', 'asc')
        .execute()
      return rows.map(toWalletRecord)
    },

    async update(orgId, walletId, patch) {
      const set: { name?: string | null; external_id?: string | null } = {}
      if (patch.name !== undefined) set.name = patch.name
      if (patch.externalId !== undefined) set.external_id = patch.externalId
      if (Object.keys(set).length === 0) return
      await db
        .updateTable('wallets')
        .set(set)
        .where('org_id', '=', orgId)
        .where('id', '=', walletId)
        .execute()
    },

    async changeTags(orgId, walletId, change) {
      for (let attempt = 0; attempt < 20; attempt++) {
        const row = await db
          .selectFrom('wallets')
          .select('tags')
          .where('org_id', '=', orgId)
          .where('id', '=', walletId)
          .executeTakeFirst()
        if (!row) return
        const next = JSON.stringify(change(JSON.parse(row.tags) as string[]))
        if (next === row.tags) return
        const result = await db
          .updateTable('wallets')
          .set({ tags: next })
          .where('org_id', '=', orgId)
          .where('id', '=', walletId)
          .where('tags', '=', row.tags)
          .executeTakeFirst()
        if (Number(result.numUpdatedRows) === 1) return
      }
      throw new AppError('conflict', `tags of wallet ${walletId} changed concurrently too often; retry`, {
        details: { walletId },
      })
    },

    async archiveByKey(orgId, keyId, date, trx = db) {
      await trx
        .updateTable('wallets')
        .set({ status: 'Archived', date_deleted: date })
        .where('org_id', '=', orgId)
        .where('key_id', '=', keyId)
        .where('status', '!=', 'Archived')
        .execute()
    },

    async delegateByKey(orgId, keyId, userId, trx = db) {
      await trx
        .updateTable('wallets')
        .set({ delegated_to: userId })
        .where('org_id', '=', orgId)
        .where('key_id', '=', keyId)
        .execute()
    },
  }
}
