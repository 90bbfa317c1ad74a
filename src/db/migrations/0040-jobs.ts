import type { Kysely } from 'kysely'

/**
 * The one background-work queue (src/jobs): a transactional outbox whose rows are claimed under a
 * lease by any node. Dates are ISO-8601 text in UTC (fixed width, so text order is time order).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('jobs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    // pending | running | done | dead
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('run_at', 'text', (c) => c.notNull())
    // Claims so far, including the current one.
    .addColumn('attempts', 'integer', (c) => c.notNull())
    // A random token per claim: only the holder of the current lease may finish the job.
    .addColumn('lease_token', 'text')
    .addColumn('lease_until', 'text')
    .addColumn('last_error', 'text')
    // At most one job per key while the row is kept (NULLs never collide).
    .addColumn('dedupe_key', 'text')
    .addColumn('date_created', 'text', (c) => c.notNull())
    .addColumn('date_finished', 'text')
    .execute()
  await db.schema.createIndex('jobs_dedupe_key').on('jobs').column('dedupe_key').unique().execute()
  // The claim query reads due pending jobs and expired running ones by time.
  await db.schema.createIndex('jobs_status_run_at').on('jobs').columns(['status', 'run_at']).execute()
  await db.schema
    .createIndex('jobs_status_lease_until')
    .on('jobs')
    .columns(['status', 'lease_until'])
    .execute()
}
