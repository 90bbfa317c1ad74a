import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { ManualClock } from '../../src/clock.ts'
import { type ClaimedJob, createJobRunner, enqueueJob, listJobs } from '../../src/jobs/index.ts'
import { claimDueJobs, settleJob } from '../../src/jobs/queue.ts'
import { createTestDatabase, type TestDatabase, testDialect } from '../helpers/database.ts'

const T0 = Date.parse('2026-03-01T00:00:00.000Z')

describe(`job queue (${testDialect})`, () => {
  let database: TestDatabase
  let dir: string
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'walletd-jobs-'))
    // A file, not :memory:, so a second handle (a second node) can share it on SQLite.
    database = await createTestDatabase({ sqliteFile: path.join(dir, 'jobs.sqlite') })
  })
  after(async () => {
    await database.dispose()
    fs.rmSync(dir, { recursive: true, force: true })
  })

  /** Each test uses kinds of its own, so the tests of this file do not see each other's jobs. */
  let n = 0
  const kindName = (label: string) => `${label}-${++n}`

  it('runs a job only when the enqueuing transaction commits (outbox)', async () => {
    const clock = new ManualClock(T0)
    const kind = kindName('outbox')
    const seen: unknown[] = []
    const runner = createJobRunner({ db: database.db, dialect: database.dialect, clock })
    runner.register<{ n: number }>(kind, { run: async (job) => void seen.push(job.payload) })

    await assert.rejects(
      database.db.transaction().execute(async (trx) => {
        await enqueueJob({ kind, payload: { n: 1 } }, clock, trx)
        throw new Error('the caller fails after enqueuing')
      }),
    )
    await database.db.transaction().execute((trx) => enqueueJob({ kind, payload: { n: 2 } }, clock, trx))

    assert.equal(await runner.runDueJobs(), 1)
    assert.deepEqual(seen, [{ n: 2 }])
    assert.equal(await runner.runDueJobs(), 0, 'a done job does not run again')
    const [row] = await listJobs(database.db, { kind })
    assert.equal(row?.status, 'done')
  })

  it('ignores a second job with the same dedupe key without breaking the transaction', async () => {
    const clock = new ManualClock(T0)
    const kind = kindName('dedupe')
    const runs: string[] = []
    const runner = createJobRunner({ db: database.db, dialect: database.dialect, clock })
    runner.register(kind, { run: async (job) => void runs.push(job.id) })
    const results = await database.db.transaction().execute(async (trx) => {
      const first = await enqueueJob({ kind, payload: 1, dedupeKey: `${kind}:k` }, clock, trx)
      const second = await enqueueJob({ kind, payload: 2, dedupeKey: `${kind}:k` }, clock, trx)
      // On PostgreSQL a unique violation would abort the transaction; this statement proves it did not.
      const third = await enqueueJob({ kind, payload: 3 }, clock, trx)
      return [first, second, third]
    })
    assert.deepEqual(results, [true, false, true])
    assert.equal(await runner.runDueJobs(), 2)
    assert.equal(runs.length, 2)
  })

  it('waits for runAt on the injected clock', async () => {
    const clock = new ManualClock(T0)
    const kind = kindName('later')
    let runs = 0
    const runner = createJobRunner({ db: database.db, dialect: database.dialect, clock })
    runner.register(kind, { run: async () => void runs++ })
    await enqueueJob({ kind, payload: null, runAt: new Date(T0 + 60_000) }, clock, database.db)
    assert.equal(await runner.runDueJobs(), 0)
    clock.advance(59_999)
    assert.equal(await runner.runDueJobs(), 0)
    clock.advance(1)
    assert.equal(await runner.runDueJobs(), 1)
    assert.equal(runs, 1)
  })

  it('reschedules a failed job at the time its handler chooses, then marks it dead and tells the handler', async () => {
    const clock = new ManualClock(T0)
    const kind = kindName('failing')
    const attempts: number[] = []
    const dead: { error: string; job: ClaimedJob }[] = []
    const runner = createJobRunner({ db: database.db, dialect: database.dialect, clock })
    runner.register(kind, {
      run: async (job) => {
        attempts.push(job.attempt)
        throw new Error(`boom ${job.attempt}`)
      },
      retryAt: (_error, job, now) => (job.attempt < 3 ? new Date(now.getTime() + 10_000) : undefined),
      onDead: async (error, job) => void dead.push({ error: (error as Error).message, job }),
    })
    await enqueueJob({ kind, payload: { x: 1 } }, clock, database.db)
    assert.equal(await runner.runDueJobs(), 1)
    let [row] = await listJobs(database.db, { kind })
    assert.equal(row?.status, 'pending')
    assert.equal(row?.runAt, new Date(T0 + 10_000).toISOString())
    assert.match(row?.lastError ?? '', /boom 1/)
    assert.equal(await runner.runDueJobs(), 0, 'not before the chosen time')
    clock.advance(10_000)
    await runner.runDueJobs()
    clock.advance(10_000)
    await runner.runDueJobs()
    assert.deepEqual(attempts, [1, 2, 3])
    ;[row] = await listJobs(database.db, { kind })
    assert.equal(row?.status, 'dead')
    assert.match(row?.lastError ?? '', /boom 3/)
    assert.equal(dead.length, 1)
    assert.deepEqual(dead[0]?.job.payload, { x: 1 })
    clock.advance(3_600_000)
    assert.equal(await runner.runDueJobs(), 0, 'a dead job never runs again')
  })

  it('runs a polling job again when its handler asks, without counting a failure', async () => {
    const clock = new ManualClock(T0)
    const kind = kindName('poll')
    let runs = 0
    const runner = createJobRunner({ db: database.db, dialect: database.dialect, clock })
    runner.register(kind, {
      run: async () => {
        runs++
        return runs < 3 ? { runAgainAt: new Date(clock.now().getTime() + 2000) } : undefined
      },
    })
    await enqueueJob({ kind, payload: null }, clock, database.db)
    await runner.runDueJobs()
    let [row] = await listJobs(database.db, { kind })
    assert.equal(row?.status, 'pending')
    assert.equal(row?.attempts, 0)
    clock.advance(2000)
    await runner.runDueJobs()
    clock.advance(2000)
    await runner.runDueJobs()
    ;[row] = await listJobs(database.db, { kind })
    assert.equal(runs, 3)
    assert.equal(row?.status, 'done')
  })

  it('takes over a job whose node died holding the lease, and ignores the dead node if it comes back', async () => {
    const clock = new ManualClock(T0)
    const kind = kindName('lease')
    let runs = 0
    const runner = createJobRunner({ db: database.db, dialect: database.dialect, clock })
    runner.register(kind, { leaseMs: 30_000, run: async () => void runs++ })
    await enqueueJob({ kind, payload: null }, clock, database.db)
    // A node claims the job and is killed (-9) before finishing it.
    const [lost] = await claimDueJobs(database.db, database.dialect, {
      now: clock.now(),
      limit: 10,
      kinds: [kind],
      leaseMsFor: () => 30_000,
    })
    assert.ok(lost)
    assert.equal(await runner.runDueJobs(), 0, 'the lease holds')
    clock.advance(30_000)
    assert.equal(await runner.runDueJobs(), 1, 'the expired lease is reclaimed')
    assert.equal(runs, 1)
    const [row] = await listJobs(database.db, { kind })
    assert.equal(row?.status, 'done')
    assert.equal(row?.attempts, 2, 'the lost claim counts as an attempt')
    assert.equal(
      await settleJob(database.db, lost, { status: 'dead', now: clock.now(), error: 'late' }),
      false,
      'the old lease can no longer settle the job',
    )
    assert.equal((await listJobs(database.db, { kind }))[0]?.status, 'done')
  })

  it('never claims kinds this node has no handler for', async () => {
    const clock = new ManualClock(T0)
    const kind = kindName('unknown')
    const runner = createJobRunner({ db: database.db, dialect: database.dialect, clock })
    runner.register(kindName('other'), { run: async () => undefined })
    await enqueueJob({ kind, payload: null }, clock, database.db)
    assert.equal(await runner.runDueJobs(), 0)
    assert.equal((await listJobs(database.db, { kind }))[0]?.status, 'pending')
  })

  it('runs each job exactly once when two nodes drain the queue at the same time', async () => {
    const clock = new ManualClock(T0)
    const kind = kindName('race')
    const other = database.openAnother()
    try {
      const runs = new Map<number, number>()
      const handler = {
        run: async (job: ClaimedJob<number>) => {
          runs.set(job.payload, (runs.get(job.payload) ?? 0) + 1)
          await new Promise((r) => setImmediate(r))
        },
      }
      const a = createJobRunner({ db: database.db, dialect: database.dialect, clock, concurrency: 3 })
      const b = createJobRunner({ db: other.db, dialect: other.dialect, clock, concurrency: 3 })
      a.register(kind, handler)
      b.register(kind, handler)
      for (let i = 0; i < 60; i++) await enqueueJob({ kind, payload: i }, clock, database.db)
      const [ranA, ranB] = await Promise.all([a.runDueJobs(), b.runDueJobs()])
      assert.equal(ranA + ranB, 60)
      assert.equal(runs.size, 60)
      assert.ok([...runs.values()].every((count) => count === 1))
      assert.equal((await listJobs(database.db, { kind, status: 'done' })).length, 60)
    } finally {
      await other.close()
    }
  })

  it('runs due jobs on its own timer once started, and stop() waits for the job in flight', async () => {
    const clock = new ManualClock(T0)
    const kind = kindName('timer')
    const runner = createJobRunner({ db: database.db, dialect: database.dialect, clock, pollMs: 10 })
    const ran = new Promise<unknown>((resolve) =>
      runner.register(kind, { run: async (job) => resolve(job.payload) }),
    )
    await enqueueJob({ kind, payload: 'tick' }, clock, database.db)
    // The runner's timer is unref'd (it must not keep a stopping node alive); in a node the HTTP
    // server holds the event loop open, here this interval does, or the test could end early.
    const keepAlive = setInterval(() => {}, 1000)
    runner.start()
    try {
      assert.equal(await ran, 'tick')
    } finally {
      await runner.stop()
      clearInterval(keepAlive)
    }
    // stop() waited for the pass, so the job is settled.
    assert.equal((await listJobs(database.db, { kind }))[0]?.status, 'done')
  })
})
