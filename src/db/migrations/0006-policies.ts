import type { Kysely } from 'kysely'

/**
 * Policies v2, approvals, change requests, and the velocity ledger (governed wallet requests plus
 * per-minute/hour/day buckets, so a velocity window is summed from at most a few hundred rows
 * whatever the wallet's history — see src/domains/policies/README.md).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('policies')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('activity_kind', 'text', (c) => c.notNull())
    .addColumn('rule', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('filters', 'text')
    .addColumn('date_created', 'text', (c) => c.notNull())
    .addColumn('date_updated', 'text', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('policies_org_id_id').on('policies').columns(['org_id', 'id']).execute()
  await db.schema
    .createIndex('policies_org_activity_status')
    .on('policies')
    .columns(['org_id', 'activity_kind', 'status'])
    .execute()

  await db.schema
    .createTable('policy_approvals')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('initiator_id', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('activity_kind', 'text', (c) => c.notNull())
    .addColumn('activity', 'text', (c) => c.notNull())
    .addColumn('policy_evaluations', 'text', (c) => c.notNull())
    .addColumn('approval_groups', 'text', (c) => c.notNull())
    // 1 when some group is `approvers: {}` (anyone in the org), for the approverId list filter.
    .addColumn('open_to_org', 'integer', (c) => c.notNull())
    .addColumn('expiration_date', 'text')
    .addColumn('date_created', 'text', (c) => c.notNull())
    .addColumn('date_updated', 'text', (c) => c.notNull())
    .addColumn('date_resolved', 'text')
    // Resolution handlers run after commit; these make that at-least-once (see README).
    .addColumn('dispatched', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('dispatch_claimed_until', 'text')
    .execute()
  await db.schema
    .createIndex('policy_approvals_org_id_id')
    .on('policy_approvals')
    .columns(['org_id', 'id'])
    .execute()
  await db.schema
    .createIndex('policy_approvals_status_expiration')
    .on('policy_approvals')
    .columns(['status', 'expiration_date'])
    .execute()
  await db.schema
    .createIndex('policy_approvals_dispatched')
    .on('policy_approvals')
    .columns(['dispatched', 'date_resolved'])
    .execute()

  await db.schema
    .createTable('policy_approval_decisions')
    .addColumn('approval_id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('user_kind', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('reason', 'text')
    .addColumn('date', 'text', (c) => c.notNull())
    // Order of decision: deciders are serialized by the approval row lock, so this is exact.
    .addColumn('seq', 'integer', (c) => c.notNull())
    // One decision per user per approval: the second one is a 409, even under a race.
    .addPrimaryKeyConstraint('policy_approval_decisions_pk', ['approval_id', 'user_id'])
    .execute()

  await db.schema
    .createTable('policy_approval_approvers')
    .addColumn('approval_id', 'text', (c) => c.notNull())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('policy_approval_approvers_pk', ['approval_id', 'user_id'])
    .execute()
  await db.schema
    .createIndex('policy_approval_approvers_user')
    .on('policy_approval_approvers')
    .columns(['org_id', 'user_id', 'approval_id'])
    .execute()

  await db.schema
    .createTable('policy_change_requests')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('operation_kind', 'text', (c) => c.notNull())
    .addColumn('entity_id', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('requester', 'text', (c) => c.notNull())
    .addColumn('approval_id', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('date_created', 'text', (c) => c.notNull())
    .addColumn('date_resolved', 'text')
    // Set while Pending, NULL once resolved: the unique index allows one pending change per
    // entity (NULLs never collide on SQLite or PostgreSQL), so a second one is a 409.
    .addColumn('pending_key', 'text')
    .execute()
  await db.schema
    .createIndex('policy_change_requests_pending')
    .on('policy_change_requests')
    .columns(['org_id', 'pending_key'])
    .unique()
    .execute()
  await db.schema
    .createIndex('policy_change_requests_entity')
    .on('policy_change_requests')
    .columns(['org_id', 'entity_id', 'status'])
    .execute()
  await db.schema
    .createIndex('policy_change_requests_approval')
    .on('policy_change_requests')
    .column('approval_id')
    .execute()

  await db.schema
    .createTable('policy_governed_requests')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('wallet_id', 'text', (c) => c.notNull())
    .addColumn('date_created', 'text', (c) => c.notNull())
    // USD × 10^6, NULL when the request could not be priced.
    .addColumn('amount_usd_micros', 'bigint')
    .addColumn('rejected', 'integer', (c) => c.notNull().defaultTo(0))
    .execute()
  await db.schema
    .createIndex('policy_governed_requests_wallet_date')
    .on('policy_governed_requests')
    .columns(['wallet_id', 'date_created'])
    .execute()

  await db.schema
    .createTable('policy_velocity_buckets')
    .addColumn('wallet_id', 'text', (c) => c.notNull())
    // 'm' | 'h' | 'd'
    .addColumn('granularity', 'text', (c) => c.notNull())
    .addColumn('bucket_start', 'text', (c) => c.notNull())
    .addColumn('request_count', 'bigint', (c) => c.notNull())
    .addColumn('amount_usd_micros', 'bigint', (c) => c.notNull())
    .addColumn('unpriced_count', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('policy_velocity_buckets_pk', ['wallet_id', 'granularity', 'bucket_start'])
    .execute()
}
