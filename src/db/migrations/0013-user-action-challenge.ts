import { type Kysely, sql } from 'kysely'
import { dialectOf } from '../json-sql.ts'

/**
 * A user action names the challenge it answered, and storing it is what consumes the challenge:
 *
 * - `user_actions.challenge_id` is unique, so of two answers of one challenge (on one node or two,
 *   however they interleave) at most one user action is ever stored;
 * - a trigger marks the challenge used in the statement that inserts the action, so the answer is
 *   one write instead of a conditional UPDATE followed by an INSERT.
 *
 * Actions stored before this have no challenge (null): unique indexes allow any number of nulls on
 * both dialects, and the trigger ignores them.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('user_actions').addColumn('challenge_id', 'text').execute()
  await db.schema
    .createIndex('user_actions_challenge')
    .on('user_actions')
    .column('challenge_id')
    .unique()
    .execute()
  if (dialectOf(db) === 'postgres') await createPostgresTrigger(db)
  else await createSqliteTrigger(db)
}

// `used_at is null`: an answered challenge keeps the time it was answered at.
async function createSqliteTrigger(db: Kysely<unknown>): Promise<void> {
  await sql`create trigger user_actions_consume_challenge
            after insert on user_actions
            for each row when new.challenge_id is not null
            begin
              update auth_challenges set used_at = new.date_created
              where id = new.challenge_id and used_at is null;
            end`.execute(db)
}

// `search_path from current`: the function finds the tables of the schema it was created in,
// whatever the search path of the session that inserts.
async function createPostgresTrigger(db: Kysely<unknown>): Promise<void> {
  await sql`create function user_actions_consume_challenge() returns trigger
            language plpgsql set search_path from current as $$
            begin
              update auth_challenges set used_at = new.date_created
              where id = new.challenge_id and used_at is null;
              return new;
            end
            $$`.execute(db)
  await sql`create trigger user_actions_consume_challenge
            after insert on user_actions
            for each row when (new.challenge_id is not null)
            execute function user_actions_consume_challenge()`.execute(db)
}
