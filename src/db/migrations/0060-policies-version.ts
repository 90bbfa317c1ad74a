import type { Kysely } from 'kysely'

export async function up(db: Kysely<unknown>): Promise<void> {
  // The org's policies stamp: replaced in the transaction of every policy created, replaced or
  // archived. Authentication reads it with the token, so a node can keep an org's active policies
  // per stamp and still see a change made on any node at the very next request.
  await db.schema
    .alterTable('orgs')
    .addColumn('policies_version', 'text', (c) => c.notNull().defaultTo(''))
    .execute()
}
