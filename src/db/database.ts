import fs from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import type SQLiteDriver from 'better-sqlite3'
import { Kysely, type MigrationResultSet, Migrator, PostgresDialect, SqliteDialect, sql } from 'kysely'
import type PgDriver from 'pg'
import { RecentMap } from '../recent-map.ts'
import { migrationProvider } from './migrations/index.ts'
import type { Database } from './schema.ts'

export type Dialect = 'sqlite' | 'postgres'

export interface DatabaseHandle {
  readonly db: Kysely<Database>
  readonly dialect: Dialect
  /** Where the data lives, with any password removed: safe to log. */
  readonly location: string
  /**
   * SQL statements sent to the database since it was opened (transaction control included): each
   * is a round trip on PostgreSQL. Exposed as `walletd_sql_statements_total` at /metrics, so a
   * benchmark can count the statements a request costs.
   */
  statements(): number
  close(): Promise<void>
}

export type DatabaseTarget =
  | { kind: 'sqlite'; file: string; synchronous?: SqliteSynchronous } // a path, or ':memory:'
  | { kind: 'postgres'; url: string; searchPath?: string; poolSize?: number }

/**
 * SQLite's `synchronous` level. walletd's default is `full`: in WAL mode `normal` skips the fsync at
 * each commit, so a power cut (not a crash of the process) can lose the last commits, e.g. a wallet
 * whose address was already handed out. `full` fsyncs the WAL at every commit; BENCHMARKS.md has
 * its cost.
 */
export type SqliteSynchronous = 'full' | 'normal'

export function databaseTargetFor(config: {
  databaseUrl?: string
  dataDir: string
  sqliteSynchronous?: SqliteSynchronous
}): DatabaseTarget {
  return config.databaseUrl
    ? { kind: 'postgres', url: config.databaseUrl }
    : {
        kind: 'sqlite',
        file: path.join(config.dataDir, 'walletd.sqlite'),
        synchronous: config.sqliteSynchronous,
      }
}

/**
 * The database file and its WAL and shared-memory files hold every secret's ciphertext and every
 * credential: readable by walletd's user only, like master.key. SQLite gives the -wal and -shm files
 * the main file's mode; existing files of an older deployment are tightened too.
 */
function restrictSqliteFiles(file: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 })
  fs.closeSync(fs.openSync(file, 'a', 0o600))
  for (const f of [file, `${file}-wal`, `${file}-shm`]) {
    try {
      fs.chmodSync(f, 0o600)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
    }
  }
}

export function redactUrl(url: string): string {
  try {
    const u = new URL(url)
    if (u.password) u.password = '***'
    return u.toString()
  } catch {
    return 'postgres://(unparseable url)'
  }
}

/** The driver connection behind each SQLite Kysely instance, for the migration write lock. */
const sqliteConnections = new WeakMap<Kysely<Database>, SQLiteDriver.Database>()

/**
 * The better-sqlite3 connection behind a SQLite Kysely instance (undefined on PostgreSQL): for work
 * Kysely cannot express (the emulator's snapshots copy the database with ATTACH and VACUUM INTO).
 * Use it only inside `db.connection().execute(…)`, which holds Kysely's one connection meanwhile.
 */
export function sqliteConnectionOf(db: Kysely<Database>): SQLiteDriver.Database | undefined {
  return sqliteConnections.get(db)
}

// Each driver is loaded only when its dialect is used: a deployment on SQLite never pays the
// memory of pg (about 14 MB resident), nor one on PostgreSQL that of better-sqlite3.
const requireDriver = createRequire(import.meta.url)

export function openDatabase(target: DatabaseTarget): DatabaseHandle {
  if (target.kind === 'sqlite') {
    const SQLite = requireDriver('better-sqlite3') as typeof SQLiteDriver
    if (target.file !== ':memory:') restrictSqliteFiles(target.file)
    const sqlite = new SQLite(target.file)
    sqlite.pragma('journal_mode = WAL')
    sqlite.pragma('busy_timeout = 5000')
    sqlite.pragma('foreign_keys = ON')
    sqlite.pragma(`synchronous = ${target.synchronous === 'normal' ? 'NORMAL' : 'FULL'}`)
    const statements = cachedStatements(sqlite)
    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: statements }) })
    sqliteConnections.set(db, sqlite)
    return {
      db,
      dialect: 'sqlite',
      location: target.file,
      statements: () => statements.count,
      close: () => db.destroy(),
    }
  }
  const pg = requireDriver('pg') as typeof PgDriver
  // PostgreSQL returns int8 as a string by default; our bigint columns hold counters and amounts
  // that fit in a double, so read them as numbers like SQLite does.
  pg.types.setTypeParser(20, (v) => Number(v))
  const pool = new pg.Pool({
    connectionString: target.url,
    max: target.poolSize ?? 10,
    ...(target.searchPath ? { options: `-c search_path=${target.searchPath}` } : {}),
  })
  // An idle connection that dies (PostgreSQL restarted, a network blip) emits 'error' on the pool;
  // unhandled, that would crash the node. The pool replaces the connection on the next query, so
  // the event is only reported.
  pool.on('error', (err) => {
    process.emitWarning(`PostgreSQL connection lost (${err.message}); it is reopened on the next query`, {
      code: 'WALLETD_PG_CONNECTION_LOST',
    })
  })
  let count = 0
  pool.on('connect', (client) => {
    const query = client.query.bind(client) as (...args: unknown[]) => unknown
    ;(client as { query: unknown }).query = (...args: unknown[]) => {
      count++
      return query(...args)
    }
  })
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) })
  return {
    db,
    dialect: 'postgres',
    location: redactUrl(target.url),
    statements: () => count,
    close: () => db.destroy(),
  }
}

/** How many prepared statements a SQLite connection keeps: walletd's queries are a few hundred shapes. */
const STATEMENT_CACHE_SIZE = 500

/**
 * The connection Kysely's SQLite adapter sees: better-sqlite3's, with each prepared statement kept
 * by its SQL text. The adapter prepares every query it runs, and compiling the same SQL again on
 * each request was a measurable share of a request's CPU (BENCHMARKS.md). Reusing a statement is
 * safe here: the adapter runs one query at a time on its connection (it holds a lock for the query,
 * or for the whole stream), and SQLite recompiles a statement by itself if the schema changed.
 * Least recently used statements are dropped past the cap, so queries built with a varying number
 * of placeholders cannot grow it without bound.
 */
function cachedStatements(sqlite: SQLiteDriver.Database) {
  const cache = new RecentMap<string, SQLiteDriver.Statement>(STATEMENT_CACHE_SIZE)
  return {
    count: 0,
    close: () => sqlite.close(),
    prepare(sqlText: string): SQLiteDriver.Statement {
      this.count++
      return cache.getOrCreate(sqlText, () => sqlite.prepare(sqlText))
    },
  }
}

/**
 * Apply every pending migration. Safe when several nodes start at once: Kysely's migrator takes a
 * lock row (SELECT … FOR UPDATE on PostgreSQL) so only one node migrates and the others wait.
 *
 * On PostgreSQL the migration tables are pinned to the connection's current schema: Kysely looks
 * for them across every schema otherwise, and would take another schema's `kysely_migration` (a
 * second deployment, or a parallel test) for its own and fail.
 */
export async function migrateToLatest(handle: DatabaseHandle): Promise<string[]> {
  const migrationTableSchema =
    handle.dialect === 'postgres'
      ? (await sql<{ schema: string }>`select current_schema() as schema`.execute(handle.db)).rows[0]?.schema
      : undefined
  // Migration numbers are reserved in ranges per area of work, so a lower number can land after a
  // higher one has been applied somewhere: apply it instead of refusing the database.
  const migrator = new Migrator({
    db: handle.db,
    provider: migrationProvider,
    migrationTableSchema,
    allowUnorderedMigrations: true,
  })
  const sqlite = sqliteConnections.get(handle.db)
  const { error, results } = sqlite
    ? await migrateHoldingSqliteWriteLock(sqlite, () => migrator.migrateToLatest())
    : await migrator.migrateToLatest()
  if (error) throw error
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName)
}

/**
 * Kysely's SQLite adapter takes no lock of its own: it assumes one process. Two nodes starting at
 * once on one SQLite file would both read "nothing applied" and both run the first migration (one
 * fails on a table or column the other already made). `BEGIN IMMEDIATE` takes SQLite's write lock
 * before the migrator reads its state, so the second process waits, then finds everything applied.
 * The migrator runs its statements on this same connection, inside this transaction; a failed
 * migration rolls the whole run back.
 */
async function migrateHoldingSqliteWriteLock(
  sqlite: SQLiteDriver.Database,
  migrate: () => Promise<MigrationResultSet>,
): Promise<MigrationResultSet> {
  // Waiting for another node's migrations can take longer than a query's usual busy timeout.
  const busyTimeout = sqlite.pragma('busy_timeout', { simple: true })
  sqlite.pragma('busy_timeout = 60000')
  try {
    sqlite.exec('BEGIN IMMEDIATE')
    const outcome = await migrate()
    sqlite.exec(outcome.error ? 'ROLLBACK' : 'COMMIT')
    return outcome
  } catch (err) {
    if (sqlite.inTransaction) sqlite.exec('ROLLBACK')
    throw err
  } finally {
    sqlite.pragma(`busy_timeout = ${Number(busyTimeout)}`)
  }
}

export async function pingDatabase(handle: DatabaseHandle): Promise<void> {
  await sql`select 1`.execute(handle.db)
}

/** True when a driver error is a unique-constraint violation (repositories turn it into a 409). */
export function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY'
}

export type Db = Kysely<Database>

/** Thrown inside `commitOnlyIf`'s transaction to roll it back; never escapes it. */
const declined = new Error('the transaction was declined')

/**
 * Runs `work` in a new transaction of `db` that commits only when it answers true. On false it is
 * rolled back and the answer is false: a write that `work` caught as refused (a unique violation)
 * has aborted the transaction on PostgreSQL anyway, and nothing `work` did before it may stay.
 */
export async function commitOnlyIf(db: Db, work: (trx: Db) => Promise<boolean>): Promise<boolean> {
  try {
    return await db.transaction().execute(async (trx) => {
      if (!(await work(trx))) throw declined
      return true
    })
  } catch (err) {
    if (err === declined) return false
    throw err
  }
}
