import type { Kysely } from 'kysely'

/**
 * Identities, credentials, tokens, challenges, user actions and the permission data model.
 * Booleans are integers (0/1), dates ISO-8601 text, lists JSON text: the same on SQLite and PostgreSQL.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('apps')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('orgs.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('is_active', 'integer', (c) => c.notNull())
    .addColumn('is_default', 'integer', (c) => c.notNull())
    .addColumn('date_created', 'text', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('apps_org').on('apps').columns(['org_id', 'is_default']).execute()

  // Users and service accounts alike (a service account is a user with is_service_account = 1 whose
  // username is its name, so "SA name unique in the org" is the same constraint as username).
  await db.schema
    .createTable('users')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('orgs.id'))
    .addColumn('username', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('is_service_account', 'integer', (c) => c.notNull())
    .addColumn('is_active', 'integer', (c) => c.notNull())
    .addColumn('is_archived', 'integer', (c) => c.notNull())
    .addColumn('is_registered', 'integer', (c) => c.notNull())
    .addColumn('is_sso_required', 'integer', (c) => c.notNull())
    .addColumn('credential_uuid', 'text')
    .addColumn('external_id', 'text')
    .addColumn('registration_code_hash', 'text')
    .addColumn('registration_code_expires_at', 'text')
    .addColumn('date_created', 'text', (c) => c.notNull())
    .addColumn('date_updated', 'text', (c) => c.notNull())
    .addUniqueConstraint('users_org_username', ['org_id', 'username'])
    .execute()

  // Every bearer token walletd issues has a row here, so one lookup per request answers "revoked?".
  // kind: ServiceAccount | Pat | Token (login session) | Temp (registration).
  await db.schema
    .createTable('access_tokens')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('orgs.id'))
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('app_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('external_id', 'text')
    .addColumn('is_active', 'integer', (c) => c.notNull())
    .addColumn('is_archived', 'integer', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('date_created', 'text', (c) => c.notNull())
    .addColumn('date_updated', 'text', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('access_tokens_user').on('access_tokens').columns(['user_id', 'kind']).execute()

  // Credentials of users (token_id null) and the key of a service-account token or PAT (token_id set).
  await db.schema
    .createTable('credentials')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('orgs.id'))
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('token_id', 'text')
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('cred_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('public_key', 'text', (c) => c.notNull())
    .addColumn('encrypted_private_key', 'text')
    .addColumn('relying_party_id', 'text', (c) => c.notNull())
    .addColumn('origin', 'text', (c) => c.notNull())
    .addColumn('sign_count', 'integer', (c) => c.notNull())
    .addColumn('is_active', 'integer', (c) => c.notNull())
    .addColumn('date_created', 'text', (c) => c.notNull())
    .addUniqueConstraint('credentials_org_cred_id', ['org_id', 'cred_id'])
    .execute()
  await db.schema.createIndex('credentials_user').on('credentials').columns(['user_id', 'token_id']).execute()
  await db.schema.createIndex('credentials_token').on('credentials').column('token_id').execute()

  // Challenges of every flow (UserAction, Login, Registration, Credential), single use.
  await db.schema
    .createTable('auth_challenges')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('token_id', 'text')
    .addColumn('challenge', 'text', (c) => c.notNull())
    .addColumn('allowed_cred_ids', 'text', (c) => c.notNull())
    .addColumn('credential_kind', 'text')
    .addColumn('http_method', 'text')
    .addColumn('http_path', 'text')
    .addColumn('payload', 'text')
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('used_at', 'text')
    .addColumn('date_created', 'text', (c) => c.notNull())
    .execute()

  // Signed user actions: the single-use token (stored as its SHA-256) and the audit record.
  await db.schema
    .createTable('user_actions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('token_id', 'text', (c) => c.notNull())
    .addColumn('http_method', 'text', (c) => c.notNull())
    .addColumn('http_path', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('credential_uuid', 'text', (c) => c.notNull())
    .addColumn('client_data', 'text', (c) => c.notNull())
    .addColumn('signature', 'text', (c) => c.notNull())
    .addColumn('authenticator_data', 'text')
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('used_at', 'text')
    .addColumn('date_created', 'text', (c) => c.notNull())
    .execute()
  await db.schema
    .createIndex('user_actions_org_performed')
    .on('user_actions')
    .columns(['org_id', 'used_at'])
    .execute()

  // Token-signing keys, private half sealed under the master key. One row per purpose: nodes that
  // start together insert-if-absent and read back whichever row won.
  await db.schema
    .createTable('signing_keys')
    .addColumn('purpose', 'text', (c) => c.primaryKey())
    .addColumn('kid', 'text', (c) => c.notNull())
    .addColumn('algorithm', 'text', (c) => c.notNull())
    .addColumn('public_key', 'text', (c) => c.notNull())
    .addColumn('sealed_private_key', 'text', (c) => c.notNull())
    .addColumn('date_created', 'text', (c) => c.notNull())
    .execute()

  await db.schema
    .createTable('permissions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('orgs.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('operations', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('is_immutable', 'integer', (c) => c.notNull())
    .addColumn('is_archived', 'integer', (c) => c.notNull())
    .addColumn('date_created', 'text', (c) => c.notNull())
    .addColumn('date_updated', 'text', (c) => c.notNull())
    .addUniqueConstraint('permissions_org_name', ['org_id', 'name'])
    .execute()

  await db.schema
    .createTable('permission_assignments')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('orgs.id'))
    .addColumn('permission_id', 'text', (c) => c.notNull().references('permissions.id'))
    .addColumn('identity_id', 'text', (c) => c.notNull())
    .addColumn('is_immutable', 'integer', (c) => c.notNull())
    .addColumn('date_created', 'text', (c) => c.notNull())
    .addColumn('date_updated', 'text', (c) => c.notNull())
    .addUniqueConstraint('permission_assignments_unique', ['permission_id', 'identity_id'])
    .execute()
  await db.schema
    .createIndex('permission_assignments_identity')
    .on('permission_assignments')
    .column('identity_id')
    .execute()
}
