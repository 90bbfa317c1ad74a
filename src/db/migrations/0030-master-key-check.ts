import type { Kysely } from 'kysely'

export async function up(db: Kysely<unknown>): Promise<void> {
  // One sealed value per deployment, written with the master key on first start: a node or CLI
  // command given another key fails to open it and refuses to run, instead of answering 500 to
  // every call that needs a secret.
  await db.schema
    .createTable('master_key_check')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('sealed', 'text', (c) => c.notNull())
    .addColumn('date_updated', 'text', (c) => c.notNull())
    .execute()
}
