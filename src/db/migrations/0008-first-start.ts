import type { Kysely } from 'kysely'

export async function up(db: Kysely<unknown>): Promise<void> {
  // One row per one-time start-up task (the first-start bootstrap): the node that inserts it does
  // the task, the others see the unique violation and skip it.
  await db.schema
    .createTable('first_start_claims')
    .addColumn('task', 'text', (c) => c.primaryKey())
    .addColumn('date_claimed', 'text', (c) => c.notNull())
    .execute()
}
