import type { Kysely } from 'kysely'

export async function up(db: Kysely<unknown>): Promise<void> {
  // A stamp replaced (with a fresh random value) in the same transaction as any change to the org's
  // permissions or assignments. Authentication reads it with the token on every request, so each
  // node can keep the operations it computed per identity and stamp, and notices a change made on
  // any node at the very next request.
  await db.schema
    .alterTable('orgs')
    .addColumn('permissions_version', 'text', (c) => c.notNull().defaultTo(''))
    .execute()
}
