import type { Kysely } from 'kysely'

/**
 * Transfer and transaction (broadcast) requests, and the nonce counter of each EVM sender.
 *
 * A request row is written before anything touches the chain; its signed transaction is written
 * (with its nonce) before it is broadcast, so a rebroadcast after a crash sends the same bytes.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('transfer_requests')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('wallet_id', 'text', (c) => c.notNull())
    .addColumn('network', 'text', (c) => c.notNull())
    // 'transfer' (xfr-…) or 'transaction' (tx-…): two API resources with one lifecycle.
    .addColumn('category', 'text', (c) => c.notNull())
    .addColumn('from_address', 'text', (c) => c.notNull())
    .addColumn('requester_user_id', 'text', (c) => c.notNull())
    .addColumn('requester_token_id', 'text')
    .addColumn('request_body', 'text', (c) => c.notNull())
    .addColumn('canonical_body', 'text', (c) => c.notNull())
    // JSON: what the executor needs (call, asset, priority), decided at request time.
    .addColumn('plan', 'text', (c) => c.notNull())
    .addColumn('metadata', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    // 1 once the policies let it through (at once or by approval): only then may it reach the chain.
    .addColumn('cleared', 'integer', (c) => c.notNull())
    .addColumn('reason', 'text')
    .addColumn('approval_id', 'text')
    .addColumn('external_id', 'text')
    .addColumn('nonce', 'integer')
    .addColumn('signed_tx', 'text')
    .addColumn('tx_hash', 'text')
    .addColumn('fee', 'text')
    // JSON: nonce, gas and fee fields of the signed transaction.
    .addColumn('details', 'text')
    .addColumn('replacement_id', 'text')
    // For cancel / speed-up requests: the request they replace.
    .addColumn('replaces_id', 'text')
    .addColumn('date_requested', 'text', (c) => c.notNull())
    .addColumn('date_policy_resolved', 'text')
    .addColumn('date_broadcasted', 'text')
    .addColumn('date_confirmed', 'text')
    .execute()
  await db.schema
    .createIndex('transfer_requests_org_external_id')
    .on('transfer_requests')
    .columns(['org_id', 'category', 'external_id'])
    .unique()
    .execute()
  await db.schema
    .createIndex('transfer_requests_org_wallet_id')
    .on('transfer_requests')
    .columns(['org_id', 'wallet_id', 'category', 'id'])
    .execute()
  await db.schema
    .createIndex('transfer_requests_tx_hash')
    .on('transfer_requests')
    .columns(['network', 'tx_hash'])
    .execute()

  // The next nonce walletd will give a sender. Incremented in the same transaction that stores the
  // transaction signed with it: no nonce is skipped (a crash rolls both back) or given twice.
  await db.schema
    .createTable('evm_nonces')
    .addColumn('network', 'text', (c) => c.notNull())
    .addColumn('address', 'text', (c) => c.notNull())
    .addColumn('next_nonce', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('evm_nonces_pk', ['network', 'address'])
    .execute()
}
