import type { Kysely } from 'kysely'

/**
 * Webhooks and their event log.
 *
 * `webhook_events` holds one row per delivery attempt (a retry is a new event with a new id whose
 * `retry_of` names the previous attempt), written in the transaction of the change that caused it.
 * `status` stays null until the attempt has been made. The secret is sealed under the master key:
 * delivery needs it in clear to sign, so it cannot be hashed.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('webhooks')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    // JSON array of event kinds, or ["*"].
    .addColumn('events', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('secret_sealed', 'text', (c) => c.notNull())
    .addColumn('date_created', 'text', (c) => c.notNull())
    .addColumn('date_updated', 'text', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('webhooks_org_id_id').on('webhooks').columns(['org_id', 'id']).execute()

  await db.schema
    .createTable('webhook_events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('webhook_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    // When the cause happened; the same on every attempt of one event.
    .addColumn('date', 'text', (c) => c.notNull())
    .addColumn('data', 'text', (c) => c.notNull())
    .addColumn('status', 'text')
    .addColumn('error', 'text')
    .addColumn('timestamp_sent', 'bigint')
    .addColumn('delivery_failed', 'integer', (c) => c.notNull())
    .addColumn('delivery_attempt', 'integer', (c) => c.notNull())
    .addColumn('retry_of', 'text')
    .addColumn('next_attempt_date', 'text')
    // When this attempt row was written: retention counts from here.
    .addColumn('date_created', 'text', (c) => c.notNull())
    .execute()
  await db.schema
    .createIndex('webhook_events_webhook_id')
    .on('webhook_events')
    .columns(['webhook_id', 'id'])
    .execute()
  await db.schema
    .createIndex('webhook_events_date_created')
    .on('webhook_events')
    .columns(['date_created'])
    .execute()
}
