import type { Kysely } from 'kysely'

/**
 * Custody tables, kept apart from the wallet/key domain tables so that the only rows holding
 * (sealed) private key material are here: backups, exports and access rules can treat them apart.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('custody_keys')
    .addColumn('key_id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('scheme', 'text', (c) => c.notNull())
    .addColumn('curve', 'text', (c) => c.notNull())
    .addColumn('public_key', 'text', (c) => c.notNull())
    // SecretBox output (AES-256-GCM, base64url); the AAD binds org id, key id, scheme and curve.
    .addColumn('sealed_private_key', 'text', (c) => c.notNull())
    .addColumn('origin', 'text', (c) => c.notNull())
    .addColumn('date_created', 'text', (c) => c.notNull())
    .execute()

  // The deployment's import-encryption keys (GET /signers): clients encrypt imported keys to these.
  await db.schema
    .createTable('custody_signers')
    .addColumn('signer_id', 'text', (c) => c.primaryKey())
    .addColumn('public_key', 'text', (c) => c.notNull())
    .addColumn('sealed_private_key', 'text', (c) => c.notNull())
    .addColumn('date_created', 'text', (c) => c.notNull())
    .execute()
}
