import type { Kysely } from 'kysely'

/**
 * Keys, wallets and signature requests. Private key material is not here (see 0003-custody): these
 * rows hold public keys and state only.
 *
 * Ids are time-ordered, so `(org_id, id)` serves both lookups and cursor pagination; the list
 * indexes keep a page read at the same cost whether an org has a thousand wallets or a million.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('keys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('scheme', 'text', (c) => c.notNull())
    .addColumn('curve', 'text', (c) => c.notNull())
    .addColumn('public_key', 'text', (c) => c.notNull())
    .addColumn('name', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('delegated_to', 'text')
    .addColumn('delay_delegation', 'integer', (c) => c.notNull())
    .addColumn('imported', 'integer', (c) => c.notNull())
    .addColumn('exported', 'integer', (c) => c.notNull())
    .addColumn('date_exported', 'text')
    .addColumn('date_created', 'text', (c) => c.notNull())
    .addColumn('date_deleted', 'text')
    .execute()
  await db.schema.createIndex('keys_org_id_id').on('keys').columns(['org_id', 'id']).execute()
  await db.schema
    .createIndex('keys_org_delegated_id')
    .on('keys')
    .columns(['org_id', 'delegated_to', 'id'])
    .execute()

  await db.schema
    .createTable('wallets')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('key_id', 'text', (c) => c.notNull())
    .addColumn('network', 'text', (c) => c.notNull())
    .addColumn('address', 'text')
    .addColumn('name', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('external_id', 'text')
    // JSON array of strings.
    .addColumn('tags', 'text', (c) => c.notNull())
    // Copied from the key on every delegation, so `owner` lists need no join to filter.
    .addColumn('delegated_to', 'text')
    .addColumn('delay_delegation', 'integer', (c) => c.notNull())
    .addColumn('date_created', 'text', (c) => c.notNull())
    .addColumn('date_deleted', 'text')
    .execute()
  await db.schema.createIndex('wallets_org_id_id').on('wallets').columns(['org_id', 'id']).execute()
  await db.schema.createIndex('wallets_org_key').on('wallets').columns(['org_id', 'key_id']).execute()
  await db.schema
    .createIndex('wallets_org_delegated_id')
    .on('wallets')
    .columns(['org_id', 'delegated_to', 'id'])
    .execute()

  await db.schema
    .createTable('signature_requests')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('wallet_id', 'text')
    .addColumn('key_id', 'text', (c) => c.notNull())
    .addColumn('network', 'text')
    // `wallet:wa-…` or `key:key-…`: the URL the request was sent to, part of the idempotency match.
    .addColumn('target', 'text', (c) => c.notNull())
    .addColumn('requester_user_id', 'text', (c) => c.notNull())
    .addColumn('requester_token_id', 'text')
    // The body as sent (JSON) and its canonical form (sorted keys), compared on externalId replays.
    .addColumn('request_body', 'text', (c) => c.notNull())
    .addColumn('canonical_body', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('reason', 'text')
    .addColumn('signature', 'text')
    .addColumn('signatures', 'text')
    .addColumn('signed_data', 'text')
    .addColumn('approval_id', 'text')
    .addColumn('external_id', 'text')
    .addColumn('date_requested', 'text', (c) => c.notNull())
    .addColumn('date_policy_resolved', 'text')
    .addColumn('date_signed', 'text')
    .execute()
  // The idempotency guarantee: one request per externalId and org, whatever the node or the race.
  // NULLs never collide, on SQLite and PostgreSQL alike, so requests without externalId are free.
  await db.schema
    .createIndex('signature_requests_org_external_id')
    .on('signature_requests')
    .columns(['org_id', 'external_id'])
    .unique()
    .execute()
  await db.schema
    .createIndex('signature_requests_org_wallet_id')
    .on('signature_requests')
    .columns(['org_id', 'wallet_id', 'id'])
    .execute()
  await db.schema
    .createIndex('signature_requests_org_key_id')
    .on('signature_requests')
    .columns(['org_id', 'key_id', 'id'])
    .execute()
}
