import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { fixedQuery, type Params } from '../../src/db/fixed-query.ts'
import { createTestDatabase, type TestDatabase, testDialect } from '../helpers/database.ts'

describe(`fixedQuery (${testDialect})`, () => {
  let database: TestDatabase
  before(async () => {
    database = await createTestDatabase()
    const at = '2026-01-01T00:00:00.000Z'
    const rows: [string, string, string][] = [
      ['p-1', 'or-a', 'Active'],
      ['p-2', 'or-a', 'Archived'],
      ['p-3', 'or-b', 'Active'],
    ]
    for (const [id, org, status] of rows) {
      await database.db
        .insertInto('policies')
        .values({
          id,
          org_id: org,
          name: id,
          activity_kind: 'Wallets:Sign',
          rule: '{}',
          action: '{}',
          filters: null,
          status,
          date_created: at,
          date_updated: at,
        })
        .execute()
    }
  })
  after(() => database.dispose())

  // Constants between the parameters: each run must put its values in their places, not in order of
  // the names given.
  const byOrgAndStatus = () =>
    fixedQuery(database.db, (p: Params<{ status: string; org: string }>) =>
      database.db
        .selectFrom('policies')
        .select('id')
        .where('activity_kind', '=', 'Wallets:Sign')
        .where('org_id', '=', p.org)
        .where('name', '!=', 'nobody')
        .where('status', '=', p.status)
        .orderBy('id'),
    )

  it('binds each run its own values, in the places the names stand', async () => {
    const query = byOrgAndStatus()
    assert.deepEqual(await query.all({ org: 'or-a', status: 'Active' }), [{ id: 'p-1' }])
    assert.deepEqual(await query.all({ status: 'Archived', org: 'or-a' }), [{ id: 'p-2' }])
    assert.deepEqual(await query.all({ org: 'or-b', status: 'Active' }), [{ id: 'p-3' }])
    assert.equal(await query.first({ org: 'or-c', status: 'Active' }), undefined)
  })

  it('runs inside a transaction of the same database and sees its uncommitted rows', async () => {
    const query = byOrgAndStatus()
    await database.db
      .transaction()
      .execute(async (trx) => {
        await trx.updateTable('policies').set({ status: 'Archived' }).where('id', '=', 'p-1').execute()
        assert.deepEqual(await query.all({ org: 'or-a', status: 'Archived' }, trx), [
          { id: 'p-1' },
          { id: 'p-2' },
        ])
        throw new Error('roll back')
      })
      .catch(() => undefined)
    assert.deepEqual(await query.all({ org: 'or-a', status: 'Active' }), [{ id: 'p-1' }])
  })

  it('serves an UPDATE … RETURNING with one value in two places', async () => {
    const rename = fixedQuery(database.db, (p: Params<{ id: string; name: string }>) =>
      database.db
        .updateTable('policies')
        .set({ name: p.name, date_updated: p.name })
        .where('id', '=', p.id)
        .returning(['id', 'name', 'date_updated']),
    )
    assert.deepEqual(await rename.first({ id: 'p-3', name: 'renamed' }), {
      id: 'p-3',
      name: 'renamed',
      date_updated: 'renamed',
    })
    assert.equal(await rename.first({ id: 'p-none', name: 'x' }), undefined)
  })
})
