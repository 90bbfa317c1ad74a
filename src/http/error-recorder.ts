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

/**
 * Keeps errors findable by id (`walletd errors show ID`) without letting a flood of errors become a
 * flood of writes.
 *
 * - Every error is logged by pino with its id at once; this recorder only adds the database copy.
 * - Rows are buffered and written in one batch insert per `flushIntervalMs`.
 * - Per flush window at most `maxRowsPerWindow` client errors (4xx) are kept; the rest are counted,
 *   and the count is written on the last kept row of that window (`suppressed`). Server errors
 *   (5xx) are always kept: they are rare and the ones an operator most needs.
 * - Rows older than the retention are deleted, at most once an hour.
 */
export class ErrorRecorder {
  private buffer: RecordedError[] = []
  private suppressed = 0
  private timer: NodeJS.Timeout | undefined
  private lastPrune = 0
  private flushing: Promise<void> = Promise.resolve()

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly log: FastifyBaseLogger,
    private readonly options: { retentionDays: number; flushIntervalMs?: number; maxRowsPerWindow?: number },
  ) {}

  record(entry: RecordedError): void {
    const clientErrors = this.buffer.filter((e) => e.status < 500).length
    if (entry.status < 500 && clientErrors >= (this.options.maxRowsPerWindow ?? 50)) {
      this.suppressed++
    } else {
      this.buffer.push(entry)
    }
    this.timer ??= setTimeout(() => {
      this.timer = undefined
      void this.flush()
    }, this.options.flushIntervalMs ?? 1000)
    this.timer.unref?.()
  }

  /** Write what is buffered now (also called on shutdown). */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.writeBatch())
    return this.flushing
  }

  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
    await this.flush()
  }

  private async writeBatch(): Promise<void> {
    const batch = this.buffer
    const suppressed = this.suppressed
    this.buffer = []
    this.suppressed = 0
    if (batch.length === 0) return
    const now = this.clock.now()
    const rows = batch.map((e, i) => ({
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
      suppressed: i === batch.length - 1 ? suppressed : 0,
      date_created: now.toISOString(),
    }))
    try {
      await this.db.insertInto('error_log').values(rows).execute()
      if (now.getTime() - this.lastPrune > 3_600_000) {
        this.lastPrune = now.getTime()
        const cutoff = new Date(now.getTime() - this.options.retentionDays * 86_400_000).toISOString()
        await this.db.deleteFrom('error_log').where('date_created', '<', cutoff).execute()
      }
    } catch (err) {
      // The errors are in the log already; losing their database copy must not break anything.
      this.log.warn({ err, count: rows.length }, 'could not record errors in the database')
    }
  }
}

export async function findRecordedError(db: Db, id: string) {
  return db.selectFrom('error_log').selectAll().where('id', '=', id).executeTakeFirst()
}
