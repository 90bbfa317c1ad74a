import type { Kysely } from 'kysely'

export async function up(db: Kysely<unknown>): Promise<void> {
  // One row per org whose plan differs from the default template; no row = the default plan.
  await db.schema
    .createTable('org_plans')
    .addColumn('org_id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('features', 'text', (c) => c.notNull())
    .addColumn('rate_limit_per_minute', 'integer', (c) => c.notNull())
    .addColumn('date_updated', 'text', (c) => c.notNull())
    .execute()
}
