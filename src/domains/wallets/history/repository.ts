import type { Kysely, Selectable, Transaction } from 'kysely'
import type { ChainTables, Database } from '../../../db/schema.ts'

export type Executor = Kysely<Database> | Transaction<Database>
export type ChainEventRow = Selectable<ChainTables['chain_events']>
export type StoredBlock = Selectable<ChainTables['chain_blocks']>

/** Blocks kept per network to find a fork point; a reorg deeper than this rescans from the oldest. */
export const KEPT_BLOCKS = 256

/** The page of a wallet's (or an org's) events, newest first (ids sort like the chain). */
export interface EventFilter {
  readonly orgId: string
  readonly walletId?: string
  /** End users see the wallets delegated to them only. */
  readonly delegatedTo?: string
  readonly direction?: string
  readonly kind?: string
  readonly contract?: string
  readonly fromTime?: string
  readonly toTime?: string
  readonly beforeId?: string
  readonly limit: number
}

export function createHistoryRepository(db: Kysely<Database>) {
  return {
    async cursor(network: string, executor: Executor = db): Promise<number | undefined> {
      const row = await executor
        .selectFrom('chain_cursors')
        .select('next_block')
        .where('network', '=', network)
        .executeTakeFirst()
      return row ? Number(row.next_block) : undefined
    },

    /** The first cursor of a network; a no-op when another node set one first. */
    async startCursor(network: string, nextBlock: number, now: string): Promise<void> {
      await db
        .insertInto('chain_cursors')
        .values({ network, next_block: nextBlock, date_updated: now })
        .onConflict((oc) => oc.column('network').doNothing())
        .execute()
    },

    /**
     * Moves the cursor from `expected` to `next` (compare-and-set): false when another scanner
     * moved it meanwhile, and the caller's transaction must then be rolled back.
     */
    async moveCursor(network: string, expected: number, next: number, now: string, trx: Executor) {
      const r = await trx
        .updateTable('chain_cursors')
        .set({ next_block: next, date_updated: now })
        .where('network', '=', network)
        .where('next_block', '=', expected)
        .executeTakeFirst()
      return Number(r.numUpdatedRows) === 1
    },

    async block(network: string, number: number): Promise<StoredBlock | undefined> {
      return db
        .selectFrom('chain_blocks')
        .selectAll()
        .where('network', '=', network)
        .where('number', '=', number)
        .executeTakeFirst()
    },

    /** Stored blocks below `before`, newest first. */
    async blocksBelow(network: string, before: number): Promise<StoredBlock[]> {
      return db
        .selectFrom('chain_blocks')
        .selectAll()
        .where('network', '=', network)
        .where('number', '<', before)
        .orderBy('number', 'desc')
        .execute()
    },

    async saveBlocks(network: string, blocks: readonly Omit<StoredBlock, 'network'>[], trx: Executor) {
      if (blocks.length === 0) return
      const last = blocks[blocks.length - 1]!.number
      await trx
        .deleteFrom('chain_blocks')
        .where('network', '=', network)
        .where((eb) => eb.or([eb('number', '>=', blocks[0]!.number), eb('number', '<=', last - KEPT_BLOCKS)]))
        .execute()
      await trx
        .insertInto('chain_blocks')
        .values(blocks.map((b) => ({ network, ...b })))
        .execute()
    },

    /** Undo everything above `forkPoint` (the last block both chains share). */
    async rollBack(network: string, forkPoint: number, trx: Executor): Promise<number> {
      const removed = await trx
        .deleteFrom('chain_events')
        .where('network', '=', network)
        .where('block_number', '>', forkPoint)
        .executeTakeFirst()
      await trx
        .deleteFrom('chain_blocks')
        .where('network', '=', network)
        .where('number', '>', forkPoint)
        .execute()
      return Number(removed.numDeletedRows)
    },

    /** Inserts an event; false when this wallet already has it (a rescan, another node). */
    async insertEvent(row: ChainEventRow, trx: Executor): Promise<boolean> {
      const r = await trx
        .insertInto('chain_events')
        .values(row)
        .onConflict((oc) => oc.columns(['wallet_id', 'event_key']).doNothing())
        .executeTakeFirst()
      return Number(r.numInsertedOrUpdatedRows ?? 0n) > 0
    },

    /** Wallets with an address on a network: what the follower watches. */
    async watchedWallets(network: string) {
      return db
        .selectFrom('wallets')
        .select(['id', 'org_id', 'address'])
        .where('network', '=', network)
        .where('address', 'is not', null)
        .execute()
    },

    async events(filter: EventFilter): Promise<ChainEventRow[]> {
      let q = db
        .selectFrom('chain_events')
        .selectAll('chain_events')
        .where('chain_events.org_id', '=', filter.orgId)
      if (filter.walletId !== undefined) q = q.where('chain_events.wallet_id', '=', filter.walletId)
      if (filter.delegatedTo !== undefined) {
        q = q
          .innerJoin('wallets', 'wallets.id', 'chain_events.wallet_id')
          .where('wallets.delegated_to', '=', filter.delegatedTo)
      }
      if (filter.direction !== undefined) q = q.where('chain_events.direction', '=', filter.direction)
      if (filter.kind !== undefined) q = q.where('chain_events.kind', '=', filter.kind)
      if (filter.contract !== undefined) q = q.where('chain_events.contract', '=', filter.contract)
      if (filter.fromTime !== undefined) q = q.where('chain_events.timestamp', '>=', filter.fromTime)
      if (filter.toTime !== undefined) q = q.where('chain_events.timestamp', '<=', filter.toTime)
      if (filter.beforeId !== undefined) q = q.where('chain_events.id', '<', filter.beforeId)
      return q.orderBy('chain_events.id', 'desc').limit(filter.limit).execute()
    },

    /** The token contracts of a kind a wallet has sent or received. */
    async contractsOf(walletId: string, kind: string): Promise<string[]> {
      const rows = await db
        .selectFrom('chain_events')
        .select('contract')
        .distinct()
        .where('wallet_id', '=', walletId)
        .where('kind', '=', kind)
        .where('contract', 'is not', null)
        .execute()
      return rows.map((r) => r.contract as string)
    },

    /** The (contract, tokenId) pairs a wallet has sent or received, each once. */
    async tokensOf(walletId: string): Promise<{ contract: string; tokenId: string }[]> {
      const rows = await db
        .selectFrom('chain_events')
        .select(['contract', 'token_id'])
        .distinct()
        .where('wallet_id', '=', walletId)
        .where('kind', '=', 'Erc721Transfer')
        .execute()
      return rows.map((r) => ({ contract: r.contract as string, tokenId: r.token_id as string }))
    },
  }
}

export type HistoryRepository = ReturnType<typeof createHistoryRepository>
