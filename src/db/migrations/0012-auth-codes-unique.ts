import type { Kysely } from 'kysely'

/**
 * A code hash is unique per purpose, so recording a spent id token (social login) is the check
 * itself: the second of two concurrent logins with one token fails on the index.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('auth_codes_hash').execute()
  await db.schema
    .createIndex('auth_codes_hash')
    .on('auth_codes')
    .columns(['purpose', 'code_hash'])
    .unique()
    .execute()
}
