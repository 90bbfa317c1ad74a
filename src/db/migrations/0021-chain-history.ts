import type { Kysely } from 'kysely'

/**
 * What the block follower found on chain (src/domains/wallets/history): one row per transfer per
 * wallet of ours it touched, where each network's follower has got to, and the hashes of the
 * blocks it scanned last (to notice a reorganisation and undo what the dropped blocks held).
 *
 * Block numbers are `integer` (32-bit on PostgreSQL): every EVM chain walletd serves is far below
 * 2^31 blocks.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('chain_events')
    // bce-<time>-<block>-<position>-<random>: ordered like the chain, so it is the page cursor.
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('wallet_id', 'text', (c) => c.notNull())
    .addColumn('network', 'text', (c) => c.notNull())
    // In | Out
    .addColumn('direction', 'text', (c) => c.notNull())
    // NativeTransfer | Erc20Transfer | Erc721Transfer
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('block_number', 'integer', (c) => c.notNull())
    .addColumn('block_hash', 'text', (c) => c.notNull())
    .addColumn('tx_hash', 'text', (c) => c.notNull())
    // The log's index in its block; null for a native transfer (the transaction's own value).
    .addColumn('log_index', 'integer')
    // txHash:logIndex or txHash:native — one row per wallet and event, whoever scans it.
    .addColumn('event_key', 'text', (c) => c.notNull())
    .addColumn('contract', 'text')
    .addColumn('from_address', 'text', (c) => c.notNull())
    .addColumn('to_address', 'text', (c) => c.notNull())
    .addColumn('value', 'text')
    .addColumn('token_id', 'text')
    .addColumn('fee', 'text')
    .addColumn('symbol', 'text')
    .addColumn('decimals', 'integer')
    // The block's time, ISO-8601 UTC.
    .addColumn('timestamp', 'text', (c) => c.notNull())
    .addColumn('date_created', 'text', (c) => c.notNull())
    .execute()
  await db.schema
    .createIndex('chain_events_wallet_event')
    .on('chain_events')
    .columns(['wallet_id', 'event_key'])
    .unique()
    .execute()
  await db.schema
    .createIndex('chain_events_org_wallet_id')
    .on('chain_events')
    .columns(['org_id', 'wallet_id', 'id'])
    .execute()
  await db.schema.createIndex('chain_events_org_id').on('chain_events').columns(['org_id', 'id']).execute()
  await db.schema
    .createIndex('chain_events_network_block')
    .on('chain_events')
    .columns(['network', 'block_number'])
    .execute()

  await db.schema
    .createTable('chain_cursors')
    .addColumn('network', 'text', (c) => c.primaryKey())
    // The next block to scan; every block below it has been scanned.
    .addColumn('next_block', 'integer', (c) => c.notNull())
    .addColumn('date_updated', 'text', (c) => c.notNull())
    .execute()

  await db.schema
    .createTable('chain_blocks')
    .addColumn('network', 'text', (c) => c.notNull())
    .addColumn('number', 'integer', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .addColumn('parent_hash', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('chain_blocks_pk', ['network', 'number'])
    .execute()
}
