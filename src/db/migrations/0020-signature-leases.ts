import { type Kysely, sql } from 'kysely'

/**
 * A signature request in `Executing` holds a lease (`lease_until`, ISO-8601 UTC text) for as long
 * as its node may legitimately still be working on it. A request whose lease has run out was left
 * by a node that stopped: the interrupted-request sweep (any node) ends it `Failed`.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('signature_requests').addColumn('lease_until', 'text').execute()
  // Requests left `Executing` before leases existed count as expired: the first sweep ends them.
  await sql`update signature_requests
            set lease_until = coalesce(date_policy_resolved, date_requested)
            where status = 'Executing'`.execute(db)
  // The sweep reads only `Executing` rows by lease: a partial index stays as small as that set.
  await db.schema
    .createIndex('signature_requests_executing_lease')
    .on('signature_requests')
    .column('lease_until')
    .where(sql.ref('status'), '=', 'Executing')
    .execute()
}
