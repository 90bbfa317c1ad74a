import { randomUUID } from 'node:crypto'
import { type Kysely, sql, type Transaction } from 'kysely'
import type { Clock } from '../clock.ts'
import type { Dialect } from '../db/database.ts'
import type { Database } from '../db/schema.ts'

/** What a caller asks to be done later. `payload` must be JSON-serialisable. */
export interface JobSpec<P = unknown> {
  readonly kind: string
  readonly payload: P
  /** Not before this time; now when absent. */
  readonly runAt?: Date
  /** At most one job per key is kept: a second enqueue with the same key is a no-op. */
  readonly dedupeKey?: string
}

/** A job as its handler sees it. */
export interface ClaimedJob<P = unknown> {
  readonly id: string
  readonly kind: string
  readonly payload: P
  /** 1 on the first run; counts every claim, including ones lost to a crash. */
  readonly attempt: number
  readonly dedupeKey: string | null
}

/** A handler may ask to run again later without it counting as a failure (polling). */
export interface RunAgain {
  readonly runAgainAt: Date
}

export interface JobHandler<P = unknown> {
  /** Must be idempotent: a job whose node died mid-run is run again (at-least-once). */
  // biome-ignore lint/suspicious/noConfusingVoidType: a handler that just finishes returns nothing at all
  run(job: ClaimedJob<P>): Promise<undefined | RunAgain | void>
  /**
   * When `run` throws: the time of the next attempt, or undefined to give up (the job is dead).
   * Default: exponential backoff from 1 s, capped at 5 min, dead after `maxAttempts`.
   */
  retryAt?(error: unknown, job: ClaimedJob<P>, now: Date): Date | undefined
  /** Called once when the job is given up (retryAt said undefined), before it is marked dead. */
  onDead?(error: unknown, job: ClaimedJob<P>): Promise<void>
  /** Default 10. Used by the default retryAt only. */
  readonly maxAttempts?: number
  /** How long a claim holds before another node may take the job over. Default 60 s. */
  readonly leaseMs?: number
}

type Executor = Kysely<Database> | Transaction<Database>

/**
 * Insert a job inside the caller's transaction (transactional outbox): the job exists if and only
 * if the caller's state change committed. A duplicate `dedupeKey` is ignored without aborting the
 * transaction (ON CONFLICT DO NOTHING). Returns false when the key already had a job.
 */
export async function enqueueJob<P>(spec: JobSpec<P>, clock: Clock, trx: Executor): Promise<boolean> {
  const now = clock.now().toISOString()
  const result = await trx
    .insertInto('jobs')
    .values({
      id: randomUUID(),
      kind: spec.kind,
      payload: JSON.stringify(spec.payload ?? null),
      status: 'pending',
      run_at: (spec.runAt ?? clock.now()).toISOString(),
      attempts: 0,
      lease_token: null,
      lease_until: null,
      last_error: null,
      dedupe_key: spec.dedupeKey ?? null,
      date_created: now,
      date_finished: null,
    })
    .onConflict((oc) => oc.column('dedupe_key').doNothing())
    .executeTakeFirst()
  return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0
}

/**
 * Makes a pending job due now (a job enqueued as a fallback for later, whose moment came early).
 * False when no pending job has that key.
 */
export async function runJobNow(db: Executor, dedupeKey: string, clock: Clock): Promise<boolean> {
  const result = await db
    .updateTable('jobs')
    .set({ run_at: clock.now().toISOString() })
    .where('dedupe_key', '=', dedupeKey)
    .where('status', '=', 'pending')
    .executeTakeFirst()
  return Number(result.numUpdatedRows) > 0
}

export interface JobRow {
  id: string
  kind: string
  payload: string
  status: 'pending' | 'running' | 'done' | 'dead'
  runAt: string
  attempts: number
  lastError: string | null
  dedupeKey: string | null
}

/** Read jobs (operators, tests). */
export async function listJobs(
  db: Executor,
  filter: { kind?: string; status?: string } = {},
): Promise<JobRow[]> {
  let q = db.selectFrom('jobs').selectAll()
  if (filter.kind) q = q.where('kind', '=', filter.kind)
  if (filter.status) q = q.where('status', '=', filter.status)
  const rows = await q.orderBy('date_created').orderBy('id').execute()
  return rows.map((r) => ({
    id: r.id,
    kind: r.kind,
    payload: r.payload,
    status: r.status as JobRow['status'],
    runAt: r.run_at,
    attempts: r.attempts,
    lastError: r.last_error,
    dedupeKey: r.dedupe_key,
  }))
}

interface ClaimedRow {
  id: string
  kind: string
  payload: string
  attempts: number
  dedupe_key: string | null
  lease_token: string
}

/**
 * Claim up to `limit` due jobs: pending ones whose time has come and running ones whose lease has
 * expired (their node died). One statement, so two nodes never claim the same job: PostgreSQL
 * locks the candidate rows with FOR UPDATE SKIP LOCKED (a concurrent claimer skips them instead of
 * waiting), SQLite runs every write statement alone.
 */
export async function claimDueJobs(
  db: Kysely<Database>,
  dialect: Dialect,
  options: { now: Date; limit: number; leaseMsFor: (kind: string) => number; kinds: readonly string[] },
): Promise<ClaimedRow[]> {
  if (options.kinds.length === 0) return []
  const now = options.now.toISOString()
  const token = randomUUID()
  const kinds = sql.join(options.kinds.map((k) => sql`${k}`))
  const due = sql`(
    (status = 'pending' and run_at <= ${now}) or (status = 'running' and lease_until <= ${now})
  ) and kind in (${kinds})`
  const candidates =
    dialect === 'postgres'
      ? sql`select id from jobs where ${due} order by run_at limit ${options.limit} for update skip locked`
      : sql`select id from jobs where ${due} order by run_at limit ${options.limit}`
  // The lease length is per kind; a CASE keeps the claim a single statement.
  const leaseCases = sql.join(
    options.kinds.map(
      (k) => sql`when ${k} then ${new Date(options.now.getTime() + options.leaseMsFor(k)).toISOString()}`,
    ),
    sql` `,
  )
  const result = await sql<ClaimedRow>`
    update jobs set status = 'running', attempts = attempts + 1, lease_token = ${token},
      lease_until = case kind ${leaseCases} end
    where id in (${candidates})
    returning id, kind, payload, attempts, dedupe_key, lease_token`.execute(db)
  return result.rows.map((r) => ({ ...r, attempts: Number(r.attempts) }))
}

/** Finish a claimed job; a no-op when the lease was lost to another node meanwhile. */
export async function settleJob(
  db: Kysely<Database>,
  job: { id: string; lease_token: string },
  outcome:
    | { status: 'done'; now: Date }
    | { status: 'dead'; now: Date; error: string }
    | { status: 'pending'; runAt: Date; error?: string; resetAttempts?: boolean },
): Promise<boolean> {
  const base = db.updateTable('jobs').where('id', '=', job.id).where('lease_token', '=', job.lease_token)
  const cleared = { lease_token: null, lease_until: null }
  const r =
    outcome.status === 'pending'
      ? await base
          .set({
            ...cleared,
            status: 'pending',
            run_at: outcome.runAt.toISOString(),
            ...(outcome.error !== undefined ? { last_error: outcome.error } : {}),
            ...(outcome.resetAttempts ? { attempts: 0 } : {}),
          })
          .executeTakeFirst()
      : await base
          .set({
            ...cleared,
            status: outcome.status,
            date_finished: outcome.now.toISOString(),
            ...(outcome.status === 'dead' ? { last_error: outcome.error } : {}),
          })
          .executeTakeFirst()
  return Number(r.numUpdatedRows) > 0
}
