import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { SqliteStates } from '../../../src/domains/emulator/snapshots/sqlite-copy.ts'
import { createVelocityLedger } from '../../../src/domains/policies/velocity-ledger.ts'
import { createTestDatabase, type TestDatabase, testDialect } from '../../helpers/database.ts'

/** The SQLite side of reset and snapshots: row-level when it can be trusted, whole tables otherwise. */
describe('emulator SQLite states', { skip: testDialect === 'postgres' && 'SQLite only' }, () => {
  let dir: string
  let database: TestDatabase
  let states: SqliteStates
  const now = '2026-01-01T00:00:00.000Z'
  const orgs = async () =>
    (await database.db.selectFrom('orgs').select(['id', 'name']).orderBy('id').execute()).map(
      (o) => `${o.id}=${o.name}`,
    )
  const add = (id: string, db = database.db) =>
    db.insertInto('orgs').values({ id, name: id, date_created: now }).execute()

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'walletd-states-'))
    database = await createTestDatabase({ sqliteFile: path.join(dir, 'walletd.sqlite') })
    states = new SqliteStates(database.db)
  })
  after(async () => {
    await database.dispose()
    fs.rmSync(dir, { recursive: true, force: true })
  })

  it('back to the state last saved rewrites only the rows written since: inserts, updates, deletes', async () => {
    for (const id of ['or-a', 'or-b', 'or-c']) await add(id)
    await states.save(path.join(dir, 'a.sqlite'))
    const saved = await orgs()
    await add('or-d')
    await database.db.updateTable('orgs').set({ name: 'renamed' }).where('id', '=', 'or-a').execute()
    await database.db.deleteFrom('orgs').where('id', '=', 'or-b').execute()
    // A primary key changed in place: both the old and the new key must be rewritten.
    await database.db.updateTable('orgs').set({ id: 'or-z' }).where('id', '=', 'or-c').execute()
    const restored = await states.restore(path.join(dir, 'a.sqlite'))
    assert.equal(restored.mode, 'rows')
    assert.deepEqual(await orgs(), saved)
    // Again, with nothing written in between: nothing to copy.
    assert.deepEqual(await states.restore(path.join(dir, 'a.sqlite')), { mode: 'rows', rows: 0 })
  })

  it('upserts on tracked tables succeed: the outer ON CONFLICT does not turn the tracking into a failure', async () => {
    await states.save(path.join(dir, 'upsert.sqlite'))
    const upsert = (name: string) =>
      database.db
        .insertInto('orgs')
        .values({ id: 'or-up', name, date_created: now })
        .onConflict((oc) => oc.column('id').doUpdateSet({ name }))
        .execute()
    // Insert, then the same key updated twice: each write records a key the tracker already holds.
    await upsert('first')
    await upsert('second')
    await upsert('third')
    await database.db
      .insertInto('orgs')
      .values({ id: 'or-up', name: 'ignored', date_created: now })
      .onConflict((oc) => oc.column('id').doNothing())
      .execute()
    const before = await orgs()
    assert.ok(before.includes('or-up=third'))
    await states.restore(path.join(dir, 'upsert.sqlite'))
    assert.ok(!(await orgs()).some((o) => o.startsWith('or-up=')), 'the upserted row is gone after restore')
  })

  it('a write by another connection (another process) makes it copy whole tables', async () => {
    const other = database.openAnother()
    try {
      await add('or-other', other.db)
    } finally {
      await other.close()
    }
    await add('or-mine')
    const restored = await states.restore(path.join(dir, 'a.sqlite'))
    assert.equal(restored.mode, 'tables')
    assert.deepEqual(await orgs(), ['or-a=or-a', 'or-b=or-b', 'or-c=or-c'])
  })

  it('another state than the last one is copied whole, and any state can follow any other', async () => {
    await add('or-e')
    await states.save(path.join(dir, 'b.sqlite'))
    const b = await orgs()
    const toA = await states.restore(path.join(dir, 'a.sqlite'))
    assert.equal(toA.mode, 'tables')
    assert.deepEqual(await orgs(), ['or-a=or-a', 'or-b=or-b', 'or-c=or-c'])
    assert.equal((await states.restore(path.join(dir, 'b.sqlite'))).mode, 'tables')
    assert.deepEqual(await orgs(), b)
  })

  it("restores rows as saved without the database's own triggers acting on them, which work again after", async () => {
    // The velocity buckets are kept by triggers on the ledger's rows (migration 0061).
    const ledger = createVelocityLedger(database.db)
    const at = Date.parse('2026-01-01T10:00:30.000Z')
    const entry = (id: string) => ({ id, orgId: 'or-a', walletId: 'wa-t', date: new Date(at), amountUsd: 2 })
    const count = async () => (await ledger.totals('wa-t', at - 86_400_000, at + 86_400_000)).count
    await ledger.record(entry('sr-1'))
    await states.save(path.join(dir, 'ledger.sqlite'))
    // A row removed behind the ledger's back: the restore puts it back, and must not count it twice.
    await database.db.deleteFrom('policy_governed_requests').where('id', '=', 'sr-1').execute()
    await states.restore(path.join(dir, 'ledger.sqlite'))
    assert.equal(await count(), 1)
    await ledger.record(entry('sr-2'))
    assert.equal(await count(), 2, 'a request recorded after the restore is counted')
  })
})
