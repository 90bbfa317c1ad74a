import type { FastifyBaseLogger } from 'fastify'
import type { Clock } from '../clock.ts'
import type { Db } from '../db/database.ts'

export interface RecordedError {
  id: string
  status: number
  code: string
  method: string
  path: string
  orgId: string | null
  callerId: string | null
  requestId: string
  message: string
  details: Record<string, unknown>
  cause: string | null
}

export interface ErrorRecorderOptions {
  /** Rows older than this many days are deleted. */
  readonly retentionDays: number
  /** Buffered rows are written in one batch this often (default 1 s). */
  readonly flushIntervalMs?: number
  /** The window over which the per-kind budget of client-error rows is counted (default 60 s). */
  readonly floodWindowMs?: number
  /** Client-error (4xx) rows kept per kind (status + code) per flood window (default 20). */
  readonly maxRowsPerKind?: number
  /** A hard bound on rows waiting to be written, so a burst cannot exhaust memory (default 10 000). */
  readonly maxBufferedRows?: number
}

const PRUNE_EVERY_MS = 3_600_000
/** Rows per INSERT: 13 columns × 500 stays under SQLite's and PostgreSQL's bound-parameter limits. */
const INSERT_CHUNK = 500

interface KindBudget {
  window: number
  kept: number
  lastId: string
}

/**
 * Keeps errors findable by id (`walletd errors show ID`) without letting a flood of errors become a
 * flood of writes.
 *
 * - Every error is logged by pino with its id at once; this recorder only adds the database copy.
 * - Rows are buffered and written in one batch per `flushIntervalMs`, however many errors happen.
 * - Client errors (4xx) are folded per kind (status + code): in each flood window the first
 *   `maxRowsPerKind` of a kind are kept and the rest only counted; the count is added to the
 *   `suppressed` column of the last kept row of that kind. So a 429 storm writes at most
 *   `maxRowsPerKind` rows a minute, plus one counter update per flush.
 * - Server errors (5xx) are always kept: they are rare and the ones an operator most needs. Only
 *   the `maxBufferedRows` bound (a database that cannot keep up) drops rows, with a warning.
 * - Rows older than the retention are deleted at most once an hour, on a write or by `prune()`.
 */
export class ErrorRecorder {
  private buffer: (RecordedError & { at: string })[] = []
  /** Folded-away errors, counted on the id of the row that represents them. */
  private folded = new Map<string, number>()
  private readonly kinds = new Map<string, KindBudget>()
  private dropped = 0
  private timer: NodeJS.Timeout | undefined
  private lastPrune = Number.NEGATIVE_INFINITY
  private flushing: Promise<void> = Promise.resolve()
  private closed = false

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly log: FastifyBaseLogger,
    private readonly options: ErrorRecorderOptions,
  ) {}

  record(entry: RecordedError): void {
    if (this.closed) return
    const at = this.clock.now()
    if (entry.status >= 500) {
      this.keep(entry, at)
    } else {
      const key = `${entry.status} ${entry.code}`
      const window = Math.floor(at.getTime() / (this.options.floodWindowMs ?? 60_000))
      const budget = this.kinds.get(key)
      if (budget && budget.window === window && budget.kept >= (this.options.maxRowsPerKind ?? 20)) {
        this.folded.set(budget.lastId, (this.folded.get(budget.lastId) ?? 0) + 1)
      } else if (this.keep(entry, at)) {
        if (budget && budget.window === window) {
          budget.kept++
          budget.lastId = entry.id
        } else {
          this.kinds.set(key, { window, kept: 1, lastId: entry.id })
        }
      }
    }
    this.timer ??= setTimeout(() => {
      this.timer = undefined
      void this.flush()
    }, this.options.flushIntervalMs ?? 1000)
    this.timer.unref?.()
  }

  private keep(entry: RecordedError, at: Date): boolean {
    if (this.buffer.length >= (this.options.maxBufferedRows ?? 10_000)) {
      this.dropped++
      return false
    }
    this.buffer.push({ ...entry, at: at.toISOString() })
    return true
  }

  /** Write what is buffered now (the timer does this; so does shutdown). */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.writeBatch())
    return this.flushing
  }

  /** Flush and stop recording (on shutdown, before the database closes). */
  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
    await this.flush()
    this.closed = true
  }

  /** Delete rows older than the retention. Returns how many were deleted. */
  async prune(): Promise<number> {
    const now = this.clock.now().getTime()
    this.lastPrune = now
    const cutoff = new Date(now - this.options.retentionDays * 86_400_000).toISOString()
    const result = await this.db.deleteFrom('error_log').where('date_created', '<', cutoff).executeTakeFirst()
    return Number(result.numDeletedRows)
  }

  private async writeBatch(): Promise<void> {
    const batch = this.buffer
    const folded = this.folded
    const dropped = this.dropped
    this.buffer = []
    this.folded = new Map()
    this.dropped = 0
    if (dropped > 0) {
      this.log.warn({ dropped }, 'error rows dropped: the database could not keep up (each is in the log)')
    }
    if (batch.length === 0 && folded.size === 0) return
    const rows = batch.map((e) => {
      const suppressed = folded.get(e.id) ?? 0
      folded.delete(e.id)
      return {
        id: e.id,
        status: e.status,
        code: e.code,
        method: e.method,
        path: e.path,
        org_id: e.orgId,
        caller_id: e.callerId,
        request_id: e.requestId,
        message: e.message,
        details: JSON.stringify(e.details),
        cause: e.cause,
        suppressed,
        date_created: e.at,
      }
    })
    try {
      for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
        await this.db
          .insertInto('error_log')
          .values(rows.slice(i, i + INSERT_CHUNK))
          .execute()
      }
      // What is left was folded onto rows written by an earlier batch.
      for (const [id, count] of folded) {
        await this.db
          .updateTable('error_log')
          .set((eb) => ({ suppressed: eb('suppressed', '+', count) }))
          .where('id', '=', id)
          .execute()
      }
      if (this.clock.now().getTime() - this.lastPrune >= PRUNE_EVERY_MS) await this.prune()
    } catch (err) {
      // The errors are in the log already; losing their database copy must not break anything.
      this.log.warn({ err, count: rows.length }, 'could not record errors in the database')
    }
  }
}

export async function findRecordedError(db: Db, id: string) {
  return db.selectFrom('error_log').selectAll().where('id', '=', id).executeTakeFirst()
}

/**
 * Rows that folded a flood of client errors and were written shortly before `at`: where an id that
 * was not recorded most likely went (its kind, path and count are on the row).
 */
export async function findFloodRowsBefore(db: Db, at: Date, windowMs = 60_000) {
  return db
    .selectFrom('error_log')
    .select(['id', 'status', 'code', 'method', 'path', 'suppressed', 'date_created'])
    .where('suppressed', '>', 0)
    .where('date_created', '>=', new Date(at.getTime() - windowMs).toISOString())
    .where('date_created', '<=', at.toISOString())
    .orderBy('date_created')
    .limit(20)
    .execute()
}
