import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { type DatabaseHandle, migrateToLatest, openDatabase } from '../../src/db/database.ts'

/**
 * A fresh, migrated database for one test: SQLite in memory by default, or a database of its own on
 * the PostgreSQL server named by WALLETD_TEST_DATABASE_URL (dropped again by `dispose`).
 */
export interface TestDatabase extends DatabaseHandle {
  /** For tests that start the real CLI: how to point it at this same database. */
  readonly databaseUrl: string | undefined
  /**
   * A second, independent handle on the same data (another pool on the same PostgreSQL schema, or
   * another connection to the same SQLite file): what a second node or the CLI would see.
   * Not available for an in-memory SQLite database.
   */
  openAnother(): DatabaseHandle
  dispose(): Promise<void>
}

export const testPostgresUrl = process.env.WALLETD_TEST_DATABASE_URL || undefined

/** Which dialect this test run uses, for test names and dialect-specific cases. */
export const testDialect: 'sqlite' | 'postgres' = testPostgresUrl ? 'postgres' : 'sqlite'

export async function createTestDatabase(
  options: { sqliteFile?: string; migrate?: boolean } = {},
): Promise<TestDatabase> {
  const migrate = options.migrate ?? true
  if (!testPostgresUrl) {
    const file = options.sqliteFile ?? ':memory:'
    const handle = openDatabase({ kind: 'sqlite', file })
    if (migrate) await migrateToLatest(handle)
    return {
      ...handle,
      databaseUrl: undefined,
      openAnother: () => {
        if (file === ':memory:') throw new Error('an in-memory SQLite database has no second handle')
        return openDatabase({ kind: 'sqlite', file })
      },
      dispose: () => handle.close(),
    }
  }
  // A database of its own per test rather than a schema: Kysely's migrator introspects every
  // schema of its database, and that fails now and then while parallel tests drop theirs.
  const name = `walletd_t_${randomBytes(6).toString('hex')}`
  const admin = new pg.Client({ connectionString: testPostgresUrl })
  await admin.connect()
  await admin.query(`create database ${name}`)
  await admin.end()
  const url = new URL(testPostgresUrl)
  url.pathname = `/${name}`
  const open = () => openDatabase({ kind: 'postgres', url: url.toString(), poolSize: 5 })
  const handle = open()
  if (migrate) await migrateToLatest(handle)
  return {
    ...handle,
    databaseUrl: url.toString(),
    openAnother: open,
    dispose: async () => {
      await handle.close()
      const cleaner = new pg.Client({ connectionString: testPostgresUrl })
      await cleaner.connect()
      await cleaner.query(`drop database if exists ${name} with (force)`)
      await cleaner.end()
    },
  }
}
