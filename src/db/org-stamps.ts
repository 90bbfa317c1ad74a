import { randomBytes } from 'node:crypto'
import type { Kysely } from 'kysely'
import type { Database } from './schema.ts'

/**
 * An org's stamps: random values, each replaced in the transaction of every change to what it
 * covers, and read with the caller's token on every authenticated request. A node may keep what it
 * computed from the covered rows under (org, stamp): a change committed on any node carries a new
 * stamp, which the next request brings, so that request misses and reads again. Random rather than
 * counted, so a database restored from a snapshot can never bring back a stamp with other contents.
 */
export type OrgStamp = 'permissions_version' | 'policies_version'

/**
 * Runs `change` and replaces the org's `stamp` in one transaction: a crash cannot leave a change
 * without its new stamp. Given a transaction, the change takes part in that one.
 */
export function changingOrgStamp<T>(
  orgId: string,
  stamp: OrgStamp,
  change: (trx: Kysely<Database>) => Promise<T>,
  on: Kysely<Database>,
): Promise<T> {
  const run = async (trx: Kysely<Database>) => {
    const result = await change(trx)
    await trx
      .updateTable('orgs')
      .set({ [stamp]: randomBytes(12).toString('base64url') })
      .where('id', '=', orgId)
      .execute()
    return result
  }
  return on.isTransaction ? run(on) : on.transaction().execute(run)
}
