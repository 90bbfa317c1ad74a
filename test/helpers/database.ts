import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { type DatabaseHandle, migrateToLatest, openDatabase } from '../../src/db/database.ts'

/**
 * A fresh, migrated database for one test: SQLite in memory by default, or a schema of its own on
 * the PostgreSQL server named by WALLETD_TEST_DATABASE_URL (dropped again by `dispose`).
 */
export interface TestDatabase extends DatabaseHandle {
  /** For tests that start the real CLI: how to point it at this same database. */
  readonly databaseUrl: string | undefined
  dispose(): Promise<void>
}

export const testPostgresUrl = process.env.WALLETD_TEST_DATABASE_URL || undefined

export async function createTestDatabase(options: { sqliteFile?: string } = {}): Promise<TestDatabase> {
  if (!testPostgresUrl) {
    const handle = openDatabase({ kind: 'sqlite', file: options.sqliteFile ?? ':memory:' })
    await migrateToLatest(handle)
    return { ...handle, databaseUrl: undefined, dispose: () => handle.close() }
  }
  const schema = `t_${randomBytes(6).toString('hex')}`
  const admin = new pg.Client({ connectionString: testPostgresUrl })
  await admin.connect()
  await admin.query(`create schema ${schema}`)
  await admin.end()
  const handle = openDatabase({ kind: 'postgres', url: testPostgresUrl, searchPath: schema, poolSize: 5 })
  await migrateToLatest(handle)
  const url = new URL(testPostgresUrl)
  url.searchParams.set('options', `-c search_path=${schema}`)
  return {
    ...handle,
    databaseUrl: url.toString(),
    dispose: async () => {
      await handle.close()
      const cleaner = new pg.Client({ connectionString: testPostgresUrl })
      await cleaner.connect()
      await cleaner.query(`drop schema ${schema} cascade`)
      await cleaner.end()
    },
  }
}
