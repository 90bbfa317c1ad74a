import assert from 'node:assert/strict'
import { afterEach, beforeEach, describe, it } from 'node:test'
import type { FastifyBaseLogger } from 'fastify'
import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs } from 'kysely'
import { ManualClock } from '../../src/clock.ts'
import {
  ErrorRecorder,
  type ErrorRecorderOptions,
  findFloodRowsBefore,
  findRecordedError,
  type RecordedError,
} from '../../src/http/error-recorder.ts'
import { ErrorIdGenerator } from '../../src/ids.ts'
import { createTestDatabase, type TestDatabase, testDialect } from '../helpers/database.ts'

const DAY = 86_400_000
const start = Date.parse('2026-02-01T10:00:00.000Z')

/** Counts the statements the recorder sends, by kind, without changing them. */
class StatementCounter implements KyselyPlugin {
  readonly counts: Record<string, number> = {}
  transformQuery(args: PluginTransformQueryArgs) {
    this.counts[args.node.kind] = (this.counts[args.node.kind] ?? 0) + 1
    return args.node
  }
  async transformResult(args: PluginTransformResultArgs) {
    return args.result
  }
}

/** pino's interface, keeping what is logged so tests can see the recorder's warnings. */
function capturingLogger(lines: { level: string; obj: unknown; msg?: string }[]): FastifyBaseLogger {
  const at =
    (level: string) =>
    (obj: unknown, msg?: string): void => {
      lines.push({ level, obj, msg })
    }
  const logger = {
    level: 'info',
    fatal: at('fatal'),
    error: at('error'),
    warn: at('warn'),
    info: at('info'),
    debug: at('debug'),
    trace: at('trace'),
    silent: () => {},
    child: () => logger,
  }
  return logger as unknown as FastifyBaseLogger
}

let db: TestDatabase
let clock: ManualClock
let counter: StatementCounter
let logLines: { level: string; obj: unknown; msg?: string }[]
let ids: ErrorIdGenerator
let recorder: ErrorRecorder

function newRecorder(options: Partial<ErrorRecorderOptions> = {}): ErrorRecorder {
  // A long flush interval: the tests flush by hand, so no timer decides what a batch holds.
  return new ErrorRecorder(db.db.withPlugin(counter), clock, capturingLogger(logLines), {
    retentionDays: 14,
    flushIntervalMs: 3_600_000,
    ...options,
  })
}

beforeEach(async () => {
  db = await createTestDatabase()
  clock = new ManualClock(start)
  counter = new StatementCounter()
  logLines = []
  ids = new ErrorIdGenerator(9, () => clock.now().getTime())
  recorder = newRecorder()
})
afterEach(async () => {
  await recorder.close()
  await db.dispose()
})

function anError(status: number, code: string, overrides: Partial<RecordedError> = {}): RecordedError {
  return {
    id: ids.next(),
    status,
    code,
    method: 'POST',
    path: '/wallets',
    orgId: 'or-1',
    callerId: 'us-1',
    requestId: 'req-1',
    message: `${code} happened`,
    details: { walletId: 'wa-1' },
    cause: null,
    ...overrides,
  }
}

async function allRows() {
  return db.db.selectFrom('error_log').selectAll().orderBy('id').execute()
}

describe(`error recorder (${testDialect})`, () => {
  it('writes every field of an error, stamped with the time it happened', async () => {
    const err = anError(500, 'internal', { cause: 'Error: boom\n    at x', orgId: null, callerId: null })
    recorder.record(err)
    clock.advance(5_000)
    await recorder.flush()
    const row = await findRecordedError(db.db, err.id)
    assert.deepEqual(row, {
      id: err.id,
      status: 500,
      code: 'internal',
      method: 'POST',
      path: '/wallets',
      org_id: null,
      caller_id: null,
      request_id: 'req-1',
      message: 'internal happened',
      details: '{"walletId":"wa-1"}',
      cause: 'Error: boom\n    at x',
      suppressed: 0,
      date_created: new Date(start).toISOString(),
    })
  })

  it('writes nothing until a flush, then everything in one batch', async () => {
    for (let i = 0; i < 30; i++) recorder.record(anError(500, 'internal'))
    assert.equal((await allRows()).length, 0)
    await recorder.flush()
    assert.equal((await allRows()).length, 30)
    assert.equal(counter.counts.InsertQueryNode, 1)
  })

  it('splits a large batch into inserts small enough for both dialects', async () => {
    for (let i = 0; i < 1_200; i++) recorder.record(anError(500, 'internal'))
    await recorder.flush()
    assert.equal((await allRows()).length, 1_200)
    assert.equal(counter.counts.InsertQueryNode, 3)
  })

  it('folds a flood of one client error into a bounded number of rows that count the rest', async () => {
    for (let i = 0; i < 1_000; i++) recorder.record(anError(429, 'rate_limited'))
    await recorder.flush()
    const rows = await allRows()
    assert.equal(rows.length, 20)
    assert.equal(
      rows.reduce((n, r) => n + 1 + r.suppressed, 0),
      1_000,
    )
    // The count sits on the last row kept, the one nearest to the errors it stands for.
    assert.equal(rows[19]?.suppressed, 980)
    assert.ok(rows.slice(0, 19).every((r) => r.suppressed === 0))
    assert.equal(counter.counts.InsertQueryNode, 1)
  })

  it('keeps every server error while folding client errors around it', async () => {
    for (let i = 0; i < 300; i++) {
      recorder.record(anError(429, 'rate_limited'))
      recorder.record(anError(500, 'internal'))
      recorder.record(anError(404, 'not_found'))
    }
    await recorder.flush()
    const rows = await allRows()
    assert.equal(rows.filter((r) => r.status === 500).length, 300)
    // Each kind of client error has a budget of its own.
    const r429 = rows.filter((r) => r.code === 'rate_limited')
    const r404 = rows.filter((r) => r.code === 'not_found')
    assert.equal(r429.length, 20)
    assert.equal(r404.length, 20)
    assert.equal(
      r429.reduce((n, r) => n + r.suppressed, 0),
      280,
    )
    assert.equal(
      r404.reduce((n, r) => n + r.suppressed, 0),
      280,
    )
  })

  it('adds later folded errors to the row written by an earlier batch, with one update', async () => {
    for (let i = 0; i < 20; i++) recorder.record(anError(429, 'rate_limited'))
    await recorder.flush()
    const lastKept = (await allRows())[19]!
    clock.advance(1_000)
    for (let i = 0; i < 50; i++) recorder.record(anError(429, 'rate_limited'))
    await recorder.flush()
    const rows = await allRows()
    assert.equal(rows.length, 20)
    assert.equal((await findRecordedError(db.db, lastKept.id))?.suppressed, 50)
    assert.equal(counter.counts.UpdateQueryNode, 1)
    assert.equal(counter.counts.InsertQueryNode, 1)
  })

  it('gives each flood window a fresh budget', async () => {
    for (let i = 0; i < 25; i++) recorder.record(anError(429, 'rate_limited'))
    clock.advance(60_000)
    for (let i = 0; i < 25; i++) recorder.record(anError(429, 'rate_limited'))
    await recorder.flush()
    const rows = await allRows()
    assert.equal(rows.length, 40)
    assert.deepEqual(
      rows.filter((r) => r.suppressed > 0).map((r) => r.suppressed),
      [5, 5],
    )
  })

  it('points a folded id to the row that counted it', async () => {
    const folded: string[] = []
    for (let i = 0; i < 30; i++) {
      const e = anError(429, 'rate_limited')
      recorder.record(e)
      if (i >= 20) folded.push(e.id)
    }
    await recorder.flush()
    assert.equal(await findRecordedError(db.db, folded[0]!), undefined)
    const floods = await findFloodRowsBefore(db.db, ErrorIdGenerator.timeOf(folded[0]!)!)
    assert.equal(floods.length, 1)
    assert.equal(floods[0]?.suppressed, 10)
    assert.equal(floods[0]?.code, 'rate_limited')
  })

  it('deletes rows older than the retention and keeps younger ones', async () => {
    const old = anError(500, 'internal')
    recorder.record(old)
    await recorder.flush()
    clock.advance(13 * DAY)
    const younger = anError(400, 'validation_failed')
    recorder.record(younger)
    await recorder.flush()
    assert.ok(await findRecordedError(db.db, old.id), '13 days old is within a 14-day retention')

    clock.advance(2 * DAY)
    const latest = anError(404, 'not_found')
    recorder.record(latest)
    await recorder.flush()
    assert.equal(await findRecordedError(db.db, old.id), undefined, '15 days old is past the retention')
    assert.ok(await findRecordedError(db.db, younger.id))
    assert.ok(await findRecordedError(db.db, latest.id))
  })

  it('prunes at most once an hour on writes, and on demand', async () => {
    recorder.record(anError(500, 'internal'))
    await recorder.flush()
    const deletesAfterFirst = counter.counts.DeleteQueryNode ?? 0
    clock.advance(10 * 60_000)
    recorder.record(anError(500, 'internal'))
    await recorder.flush()
    assert.equal(counter.counts.DeleteQueryNode ?? 0, deletesAfterFirst)
    clock.advance(60 * 60_000)
    recorder.record(anError(500, 'internal'))
    await recorder.flush()
    assert.equal(counter.counts.DeleteQueryNode, deletesAfterFirst + 1)

    clock.advance(20 * DAY)
    assert.equal(await recorder.prune(), 3)
    assert.equal((await allRows()).length, 0)
  })

  it('bounds what waits in memory and says how much it dropped', async () => {
    await recorder.close()
    recorder = newRecorder({ maxBufferedRows: 10 })
    for (let i = 0; i < 15; i++) recorder.record(anError(500, 'internal'))
    await recorder.flush()
    assert.equal((await allRows()).length, 10)
    assert.ok(logLines.some((l) => l.level === 'warn' && (l.obj as { dropped?: number }).dropped === 5))
  })

  it('survives a database that is gone: the errors stay in the log, nothing throws', async () => {
    const other = await createTestDatabase()
    const orphan = new ErrorRecorder(other.db, clock, capturingLogger(logLines), { retentionDays: 14 })
    await other.dispose()
    orphan.record(anError(500, 'internal'))
    await orphan.flush()
    assert.ok(logLines.some((l) => l.level === 'warn' && /could not record errors/.test(l.msg ?? '')))
    await orphan.close()
  })

  it('records nothing after close', async () => {
    await recorder.close()
    recorder.record(anError(500, 'internal'))
    await recorder.flush()
    assert.equal((await allRows()).length, 0)
  })
})
