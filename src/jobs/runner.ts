import type { Kysely } from 'kysely'
import type { Clock } from '../clock.ts'
import type { Dialect } from '../db/database.ts'
import type { Database } from '../db/schema.ts'
import { type ClaimedJob, claimDueJobs, type JobHandler, settleJob } from './queue.ts'

export interface JobRunnerDeps {
  readonly db: Kysely<Database>
  readonly dialect: Dialect
  readonly clock: Clock
  readonly logger?: {
    error(obj: object, msg: string): void
    warn(obj: object, msg: string): void
  }
  /** How often the timer looks for due jobs. Default 250 ms. */
  readonly pollMs?: number
  /** Jobs run at once by this node. Default 8. */
  readonly concurrency?: number
}

export interface JobRunner {
  /** Register the handler of a kind; a kind has one handler per node. */
  register<P>(kind: string, handler: JobHandler<P>): void
  /**
   * Claim and run every job due now, batch after batch, until none is due; returns how many ran.
   * Tests call it directly; the timer calls it too. Concurrent calls share one pass.
   */
  runDueJobs(): Promise<number>
  /** Start the timer (idempotent). */
  start(): void
  /** Look for due jobs now rather than at the next tick (after a local enqueue committed). */
  wake(): void
  /** Stop the timer and wait for the jobs in flight. */
  stop(): Promise<void>
}

const SECOND = 1000

export function defaultRetryAt(attempt: number, now: Date, maxAttempts: number): Date | undefined {
  if (attempt >= maxAttempts) return undefined
  const delay = Math.min(5 * 60 * SECOND, SECOND * 2 ** (attempt - 1))
  return new Date(now.getTime() + delay)
}

function describe(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error)
  return text.slice(0, 2000)
}

export function createJobRunner(deps: JobRunnerDeps): JobRunner {
  const handlers = new Map<string, JobHandler<unknown>>()
  const concurrency = deps.concurrency ?? 8
  const pollMs = deps.pollMs ?? 250
  let timer: NodeJS.Timeout | undefined
  let stopped = true
  let pass: Promise<number> | undefined
  let again = false

  async function runOne(row: Awaited<ReturnType<typeof claimDueJobs>>[number]): Promise<void> {
    const handler = handlers.get(row.kind)
    if (!handler) return // claimed kinds are registered ones; kept for type narrowing
    const job: ClaimedJob<unknown> = {
      id: row.id,
      kind: row.kind,
      payload: JSON.parse(row.payload),
      attempt: row.attempts,
      dedupeKey: row.dedupe_key,
    }
    let outcome: Awaited<ReturnType<JobHandler['run']>>
    try {
      outcome = await handler.run(job)
    } catch (error) {
      const now = deps.clock.now()
      const retryAt = handler.retryAt
        ? handler.retryAt(error, job, now)
        : defaultRetryAt(job.attempt, now, handler.maxAttempts ?? 10)
      if (retryAt) {
        const runAt = new Date(Math.max(now.getTime() + 1, retryAt.getTime()))
        await settleJob(deps.db, row, { status: 'pending', runAt, error: describe(error) })
        deps.logger?.warn(
          { jobId: job.id, kind: job.kind, attempt: job.attempt, err: error },
          'job failed; retrying',
        )
        return
      }
      try {
        await handler.onDead?.(error, job)
      } finally {
        await settleJob(deps.db, row, { status: 'dead', now: deps.clock.now(), error: describe(error) })
        deps.logger?.error({ jobId: job.id, kind: job.kind, attempt: job.attempt, err: error }, 'job gave up')
      }
      return
    }
    if (outcome && 'runAgainAt' in outcome) {
      // Never due again within this same pass: a handler asking for "now" must not spin the loop.
      const earliest = deps.clock.now().getTime() + 1
      const runAt = new Date(Math.max(earliest, outcome.runAgainAt.getTime()))
      await settleJob(deps.db, row, { status: 'pending', runAt, resetAttempts: true })
    } else {
      await settleJob(deps.db, row, { status: 'done', now: deps.clock.now() })
    }
  }

  async function drain(): Promise<number> {
    let ran = 0
    for (;;) {
      const claimed = await claimDueJobs(deps.db, deps.dialect, {
        now: deps.clock.now(),
        limit: concurrency,
        kinds: [...handlers.keys()],
        leaseMsFor: (kind) => handlers.get(kind)?.leaseMs ?? 60 * SECOND,
      })
      if (claimed.length === 0) return ran
      // A failure to settle (database down) must not stop the others; the lease expires and the
      // job is run again, which handlers tolerate.
      const results = await Promise.allSettled(claimed.map(runOne))
      for (const r of results) {
        if (r.status === 'rejected') deps.logger?.error({ err: r.reason }, 'job could not be settled')
      }
      ran += claimed.length
    }
  }

  function runDueJobs(): Promise<number> {
    if (pass) {
      // Something became due while a pass runs: run one more pass after it.
      again = true
      return pass
    }
    pass = (async () => {
      let total = 0
      try {
        do {
          again = false
          total += await drain()
        } while (again)
      } finally {
        pass = undefined
      }
      return total
    })()
    return pass
  }

  function tick(): void {
    if (stopped) return
    runDueJobs()
      .catch((err) => deps.logger?.error({ err }, 'job runner pass failed'))
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, pollMs).unref()
      })
  }

  return {
    register(kind, handler) {
      if (handlers.has(kind)) throw new Error(`job kind ${kind} already has a handler`)
      handlers.set(kind, handler as JobHandler<unknown>)
    },
    runDueJobs,
    start() {
      if (!stopped) return
      stopped = false
      timer = setTimeout(tick, 0).unref()
    },
    wake() {
      if (stopped) return
      runDueJobs().catch((err) => deps.logger?.error({ err }, 'job runner pass failed'))
    },
    async stop() {
      stopped = true
      clearTimeout(timer)
      await pass?.catch(() => undefined)
    },
  }
}
