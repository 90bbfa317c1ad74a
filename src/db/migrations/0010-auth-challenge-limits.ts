import type { Kysely } from 'kysely'

/**
 * Bounded auth state: challenges remember the client address that asked for them (the cap on what
 * one address may hold open), and the sweep that purges expired challenges, unused user-action
 * tokens and temporary registration tokens finds them by expiry.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('auth_challenges').addColumn('client_address', 'text').execute()
  await db.schema.createIndex('auth_challenges_expiry').on('auth_challenges').column('expires_at').execute()
  await db.schema
    .createIndex('auth_challenges_address')
    .on('auth_challenges')
    .columns(['client_address', 'expires_at'])
    .execute()
  await db.schema
    .createIndex('auth_challenges_user')
    .on('auth_challenges')
    .columns(['user_id', 'purpose', 'expires_at'])
    .execute()
  await db.schema
    .createIndex('auth_challenges_token')
    .on('auth_challenges')
    .columns(['token_id', 'purpose'])
    .execute()
  await db.schema.createIndex('user_actions_expiry').on('user_actions').column('expires_at').execute()
  await db.schema
    .createIndex('access_tokens_expiry')
    .on('access_tokens')
    .columns(['kind', 'expires_at'])
    .execute()
}
