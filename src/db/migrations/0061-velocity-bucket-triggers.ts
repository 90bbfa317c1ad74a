import { type Kysely, sql } from 'kysely'
import { dialectOf } from '../json-sql.ts'

/**
 * The velocity ledger's bucket totals are kept by the database: a governed request's row added to
 * `policy_governed_requests` adds itself to its minute, hour and day buckets, and the row's release
 * (`rejected` 0 → 1) takes itself back out, in the statement that writes the row. Before, every
 * governed request sent a second statement for its buckets; now the row and its totals cannot be
 * written apart by any writer.
 *
 * A bucket starts at the row's date cut to the minute, hour or day. Dates are stored as ISO-8601
 * with milliseconds (`2026-03-01T12:34:56.789Z`), so the cut is a prefix of the text:
 * 16 characters for the minute, 13 for the hour, 10 for the day. An insert that does nothing
 * (`ON CONFLICT DO NOTHING`: the request was recorded already) fires no trigger.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  if (dialectOf(db) === 'postgres') await createPostgresTriggers(db)
  else await createSqliteTriggers(db)
}

/** The three bucket rows of `row` (NEW or OLD), each adding `sign` times the row's figures. */
const bucketValues = (row: 'new' | 'old', sign: 1 | -1) =>
  (
    [
      ['m', `substr(${row}.date_created, 1, 16) || ':00.000Z'`],
      ['h', `substr(${row}.date_created, 1, 13) || ':00:00.000Z'`],
      ['d', `substr(${row}.date_created, 1, 10) || 'T00:00:00.000Z'`],
    ] as const
  )
    .map(
      ([granularity, start]) =>
        `(${row}.wallet_id, '${granularity}', ${start}, ${sign}, ` +
        `${sign} * coalesce(${row}.amount_usd_micros, 0), ` +
        `case when ${row}.amount_usd_micros is null then ${sign} else 0 end)`,
    )
    .join(',\n')

const upsertBuckets = (row: 'new' | 'old', sign: 1 | -1) => `
  insert into policy_velocity_buckets
    (wallet_id, granularity, bucket_start, request_count, amount_usd_micros, unpriced_count)
  values ${bucketValues(row, sign)}
  on conflict (wallet_id, granularity, bucket_start) do update set
    request_count = policy_velocity_buckets.request_count + excluded.request_count,
    amount_usd_micros = policy_velocity_buckets.amount_usd_micros + excluded.amount_usd_micros,
    unpriced_count = policy_velocity_buckets.unpriced_count + excluded.unpriced_count;`

async function createSqliteTriggers(db: Kysely<unknown>): Promise<void> {
  await sql
    .raw(`create trigger policy_governed_requests_add_to_buckets
          after insert on policy_governed_requests
          for each row when new.rejected = 0
          begin ${upsertBuckets('new', 1)} end`)
    .execute(db)
  await sql
    .raw(`create trigger policy_governed_requests_release_from_buckets
          after update of rejected on policy_governed_requests
          for each row when old.rejected = 0 and new.rejected = 1
          begin ${upsertBuckets('old', -1)} end`)
    .execute(db)
}

// `search_path from current`: the function finds the tables of the schema it was created in,
// whatever the search path of the session that writes.
async function createPostgresTriggers(db: Kysely<unknown>): Promise<void> {
  await sql
    .raw(`create function policy_governed_requests_buckets() returns trigger
          language plpgsql set search_path from current as $$
          begin
            if tg_op = 'INSERT' then
              ${upsertBuckets('new', 1)}
            else
              ${upsertBuckets('old', -1)}
            end if;
            return null;
          end
          $$`)
    .execute(db)
  await sql`create trigger policy_governed_requests_add_to_buckets
            after insert on policy_governed_requests
            for each row when (new.rejected = 0)
            execute function policy_governed_requests_buckets()`.execute(db)
  await sql`create trigger policy_governed_requests_release_from_buckets
            after update of rejected on policy_governed_requests
            for each row when (old.rejected = 0 and new.rejected = 1)
            execute function policy_governed_requests_buckets()`.execute(db)
}
