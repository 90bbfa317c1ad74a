import type { Kysely } from 'kysely'

/**
 * One-time codes of the auth flows (recovery, login, credential codes, single sign-on state) and
 * the link between an OpenID Connect identity and a user (social login).
 *
 * A code is kept only as its SHA-256; `attempts` counts wrong guesses against a code that is looked
 * up by user (it is burnt after a few), `client_address` who asked for it (rate limits).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('auth_codes')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text')
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('code_hash', 'text', (c) => c.notNull())
    .addColumn('payload', 'text')
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('client_address', 'text')
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('used_at', 'text')
    .addColumn('date_created', 'text', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('auth_codes_hash').on('auth_codes').columns(['code_hash', 'purpose']).execute()
  await db.schema
    .createIndex('auth_codes_user')
    .on('auth_codes')
    .columns(['user_id', 'purpose', 'date_created'])
    .execute()
  await db.schema
    .createIndex('auth_codes_address')
    .on('auth_codes')
    .columns(['client_address', 'date_created'])
    .execute()
  await db.schema.createIndex('auth_codes_expiry').on('auth_codes').column('expires_at').execute()

  await db.schema
    .createTable('auth_oidc_identities')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('issuer', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('date_created', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('auth_oidc_identities_pk', ['org_id', 'issuer', 'subject'])
    .execute()
}
