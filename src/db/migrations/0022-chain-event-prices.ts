import type { Kysely } from 'kysely'

/**
 * The USD price of one whole unit of an event's asset when the block follower recorded it (the
 * history item's `metadata.asset.quotes`), as text so both dialects keep it exactly as read; null
 * when no price was known.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('chain_events').addColumn('usd_price', 'text').execute()
}
