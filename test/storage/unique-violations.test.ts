import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { sql } from 'kysely'
import { isUniqueViolation } from '../../src/db/database.ts'
import { createTestDatabase, type TestDatabase, testDialect } from '../helpers/database.ts'

let db: TestDatabase
before(async () => {
  db = await createTestDatabase()
  await db.db.schema
    .createTable('scratch_accounts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('email', 'text', (c) => c.notNull().unique())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('external_id', 'text')
    .execute()
  await db.db.schema
    .createIndex('scratch_accounts_org_external')
    .on('scratch_accounts')
    .columns(['org_id', 'external_id'])
    .unique()
    .execute()
})
after(async () => {
  await db.dispose()
})

async function errorOf(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run()
  } catch (err) {
    return err
  }
  assert.fail('expected the statement to fail')
}

const scratch = () =>
  db.db.withTables<{
    scratch_accounts: { id: string; email: string; org_id: string; external_id: string | null }
  }>()

describe(`unique-violation detection (${testDialect})`, () => {
  it('recognises a duplicate primary key', async () => {
    await db.db
      .insertInto('orgs')
      .values({ id: 'or-1', name: 'a', date_created: '2026-01-01T00:00:00.000Z' })
      .execute()
    const err = await errorOf(() =>
      db.db
        .insertInto('orgs')
        .values({ id: 'or-1', name: 'b', date_created: '2026-01-01T00:00:00.000Z' })
        .execute(),
    )
    assert.equal(isUniqueViolation(err), true)
  })

  it('recognises a duplicate in a unique column', async () => {
    await scratch()
      .insertInto('scratch_accounts')
      .values({ id: 'a1', email: 'x@e.co', org_id: 'or-1' })
      .execute()
    const err = await errorOf(() =>
      scratch()
        .insertInto('scratch_accounts')
        .values({ id: 'a2', email: 'x@e.co', org_id: 'or-1' })
        .execute(),
    )
    assert.equal(isUniqueViolation(err), true)
  })

  it('recognises a duplicate in a unique index over several columns (externalId per org)', async () => {
    const row = { email: '', org_id: 'or-9', external_id: 'ext-1' }
    await scratch()
      .insertInto('scratch_accounts')
      .values({ ...row, id: 'b1', email: 'b1@e.co' })
      .execute()
    // The same externalId in another org is fine.
    await scratch()
      .insertInto('scratch_accounts')
      .values({ ...row, id: 'b2', email: 'b2@e.co', org_id: 'or-8' })
      .execute()
    const err = await errorOf(() =>
      scratch()
        .insertInto('scratch_accounts')
        .values({ ...row, id: 'b3', email: 'b3@e.co' })
        .execute(),
    )
    assert.equal(isUniqueViolation(err), true)
  })

  it('recognises a duplicate raised inside a transaction, which then rolls back', async () => {
    const err = await errorOf(() =>
      db.db.transaction().execute(async (trx) => {
        await trx.insertInto('orgs').values({ id: 'or-t1', name: 't', date_created: 'x' }).execute()
        await trx.insertInto('orgs').values({ id: 'or-t1', name: 't', date_created: 'x' }).execute()
      }),
    )
    assert.equal(isUniqueViolation(err), true)
    const left = await db.db.selectFrom('orgs').select('id').where('id', '=', 'or-t1').execute()
    assert.deepEqual(left, [])
  })

  it('does not mistake other failures for one', async () => {
    const notNull = await errorOf(() =>
      scratch()
        .insertInto('scratch_accounts')
        .values({ id: 'c1', email: null as unknown as string, org_id: 'or-1' })
        .execute(),
    )
    assert.equal(isUniqueViolation(notNull), false)
    const syntax = await errorOf(() => sql`selec 1`.execute(db.db))
    assert.equal(isUniqueViolation(syntax), false)
    const missing = await errorOf(() => sql`select * from no_such_table`.execute(db.db))
    assert.equal(isUniqueViolation(missing), false)
    assert.equal(isUniqueViolation(new Error('boom')), false)
    assert.equal(isUniqueViolation(undefined), false)
    assert.equal(isUniqueViolation(null), false)
  })
})
