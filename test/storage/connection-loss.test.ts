import assert from 'node:assert/strict'
import { once } from 'node:events'
import { describe, it } from 'node:test'
import { sql } from 'kysely'
import pg from 'pg'
import { createTestDatabase, testDialect, testPostgresUrl } from '../helpers/database.ts'

describe(`connection loss (${testDialect})`, () => {
  it('an idle PostgreSQL connection killed by the server is reported, not fatal, and the next query works', {
    skip: testDialect !== 'postgres' && 'PostgreSQL only: SQLite has no server to lose',
  }, async () => {
    const db = await createTestDatabase()
    try {
      const pid = (await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(db.db)).rows[0]!.pid
      const warned = once(process, 'warning')
      const admin = new pg.Client({ connectionString: testPostgresUrl })
      await admin.connect()
      await admin.query('select pg_terminate_backend($1)', [pid])
      await admin.end()
      const [warning] = (await warned) as [Error & { code?: string }]
      assert.equal(warning.code, 'WALLETD_PG_CONNECTION_LOST')
      const after = await sql<{ one: number }>`select 1 as one`.execute(db.db)
      assert.equal(after.rows[0]?.one, 1)
    } finally {
      await db.dispose()
    }
  })
})
