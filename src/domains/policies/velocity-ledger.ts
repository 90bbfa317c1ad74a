/**
 * The velocity ledger: every governed wallet request (wallet, date, USD amount) and running
 * per-minute, per-hour and per-day totals of the same rows. The database keeps the totals: the
 * statement that adds or releases a row updates its buckets (triggers, migration 0061).
 *
 * A window [from, to) is cut into at most seven ranges: raw rows up to the first whole minute,
 * minute buckets up to the first whole hour, hour buckets up to the first whole day, whole days,
 * then back down on the right side. Each range is one indexed range query, and together they touch
 * at most ~2×(60+24)+30 bucket rows plus the raw rows of two partial minutes — whatever the size of
 * the wallet's history or of the window. Dates are ISO-8601 with milliseconds, which compare as
 * text in time order on both SQLite and PostgreSQL.
 */
import { type Kysely, sql } from 'kysely'
import { fixedQuery, type Params } from '../../db/fixed-query.ts'
import type { Database } from '../../db/schema.ts'
import type { VelocityWindow } from './rules/types.ts'

const MINUTE = 60_000
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR

type Granularity = 'm' | 'h' | 'd'
const granularities: readonly { key: Granularity; ms: number }[] = [
  { key: 'm', ms: MINUTE },
  { key: 'h', ms: HOUR },
  { key: 'd', ms: DAY },
]

/** A range of the window answered by one level: raw rows (`raw`) or one bucket granularity. */
export interface WindowSegment {
  readonly level: 'raw' | Granularity
  readonly from: number
  readonly to: number
}

const floorTo = (t: number, unit: number) => Math.floor(t / unit) * unit
const ceilTo = (t: number, unit: number) => Math.ceil(t / unit) * unit

/** Splits [from, to) (ms) into the fewest aligned ranges, finest at the edges. Exported for tests. */
export function windowSegments(from: number, to: number): WindowSegment[] {
  const left: WindowSegment[] = []
  const right: WindowSegment[] = []
  let lo = from
  let hi = to
  const levels: ('raw' | Granularity)[] = ['raw', 'm', 'h', 'd']
  for (let i = 0; i < levels.length - 1; i++) {
    const level = levels[i]!
    const next = granularities[i]!.ms
    const loAligned = ceilTo(lo, next)
    const hiAligned = floorTo(hi, next)
    if (loAligned >= hiAligned) {
      // No whole unit of the next level fits: this level answers the rest.
      if (lo < hi) left.push({ level, from: lo, to: hi })
      return [...left, ...right]
    }
    if (lo < loAligned) left.push({ level, from: lo, to: loAligned })
    if (hiAligned < hi) right.unshift({ level, from: hiAligned, to: hi })
    lo = loAligned
    hi = hiAligned
  }
  if (lo < hi) left.push({ level: 'd', from: lo, to: hi })
  return [...left, ...right]
}

const iso = (ms: number) => new Date(ms).toISOString()
const toMicros = (usd: number) => Math.round(usd * 1_000_000)

export interface GovernedRequestEntry {
  readonly id: string
  readonly orgId: string
  /** The subject the request is counted under: its wallet, or its key on the key route. */
  readonly walletId: string
  readonly date: Date
  /** USD value, or undefined when it could not be priced. */
  readonly amountUsd: number | undefined
}

export type VelocityLedger = ReturnType<typeof createVelocityLedger>

export function createVelocityLedger(db: Kysely<Database>) {
  // Every governed request writes this row: built once.
  const insertEntry = fixedQuery(
    db,
    (
      p: Params<{
        id: string
        org_id: string
        wallet_id: string
        date_created: string
        amount_usd_micros: number | null
      }>,
    ) =>
      db
        .insertInto('policy_governed_requests')
        .values({
          id: p.id,
          org_id: p.org_id,
          wallet_id: p.wallet_id,
          date_created: p.date_created,
          amount_usd_micros: p.amount_usd_micros,
          rejected: 0,
        })
        .onConflict((oc) => oc.column('id').doNothing()),
  )
  /**
   * Adds a request to the raw table; the database adds it to its three buckets in the same
   * statement (migration 0061), so it commits with the caller's row when `trx` is given. Idempotent
   * per id.
   */
  async function record(entry: GovernedRequestEntry, trx?: Kysely<Database>): Promise<void> {
    await insertEntry.all(
      {
        id: entry.id,
        org_id: entry.orgId,
        wallet_id: entry.walletId,
        date_created: entry.date.toISOString(),
        amount_usd_micros: entry.amountUsd === undefined ? null : toMicros(entry.amountUsd),
      },
      trx,
    )
  }

  /**
   * Takes a request back out of every window (it was blocked, denied, expired or failed before it
   * moved anything); the database takes it out of its buckets in the same statement. Idempotent:
   * only the first call changes the totals. Given `trx`, it runs inside the caller's transaction,
   * so the release commits together with the status that justifies it.
   */
  async function release(requestId: string, trx: Kysely<Database> = db): Promise<boolean> {
    const row = await trx
      .updateTable('policy_governed_requests')
      .set({ rejected: 1 })
      .where('id', '=', requestId)
      .where('rejected', '=', 0)
      .returning('id')
      .executeTakeFirst()
    return row !== undefined
  }

  /**
   * Totals of the subjects' requests dated in [from, to) (ms). A subject is a wallet id, or a key id
   * for signatures on the key route; a window sums several (see `governance.ts`). The velocity rules
   * ask for (now − timeframe, now], i.e. [now − timeframe + 1 ms, now + 1 ms).
   */
  async function totals(
    subjects: string | readonly string[],
    from: number,
    to: number,
  ): Promise<VelocityWindow> {
    const ids = typeof subjects === 'string' ? [subjects] : [...new Set(subjects)]
    // One statement (UNION ALL of the ranges): one round trip per window, whatever the split.
    type Sum = number | string | null
    const parts = windowSegments(from, to).map((segment) =>
      segment.level === 'raw'
        ? db
            .selectFrom('policy_governed_requests')
            .select([
              sql<Sum>`count(*)`.as('n'),
              sql<Sum>`sum(amount_usd_micros)`.as('micros'),
              sql<Sum>`sum(case when amount_usd_micros is null then 1 else 0 end)`.as('unpriced'),
            ])
            .where('wallet_id', 'in', ids)
            .where('date_created', '>=', iso(segment.from))
            .where('date_created', '<', iso(segment.to))
            .where('rejected', '=', 0)
        : db
            .selectFrom('policy_velocity_buckets')
            .select([
              sql<Sum>`sum(request_count)`.as('n'),
              sql<Sum>`sum(amount_usd_micros)`.as('micros'),
              sql<Sum>`sum(unpriced_count)`.as('unpriced'),
            ])
            .where('wallet_id', 'in', ids)
            .where('granularity', '=', segment.level)
            .where('bucket_start', '>=', iso(segment.from))
            .where('bucket_start', '<', iso(segment.to)),
    )
    const [first, ...rest] = parts
    if (!first) return { count: 0, amountUsd: 0, unpricedCount: 0 }
    const rows = await rest.reduce((query, part) => query.unionAll(part), first).execute()
    let count = 0
    let micros = 0
    let unpriced = 0
    for (const row of rows) {
      // PostgreSQL returns count/sum(bigint) as int8/numeric (strings); SQLite as numbers.
      count += Number(row.n ?? 0)
      micros += Number(row.micros ?? 0)
      unpriced += Number(row.unpriced ?? 0)
    }
    return { count, amountUsd: micros / 1_000_000, unpricedCount: unpriced }
  }

  /** The window the velocity rules use: the last `timeframeMinutes`, `now` included. */
  function window(
    subjects: string | readonly string[],
    now: Date,
    timeframeMinutes: number,
  ): Promise<VelocityWindow> {
    const end = now.getTime() + 1
    return totals(subjects, end - timeframeMinutes * MINUTE, end)
  }

  return { record, release, totals, window }
}
