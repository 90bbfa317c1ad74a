import fs from 'node:fs'
import type { Db } from '../../../db/database.ts'
import { sqliteConnectionOf } from '../../../db/database.ts'

/**
 * Tables a snapshot leaves alone: the migration bookkeeping, the deployment's own secrets (the
 * token-signing key, the import signer, the master-key check: tokens and `GET /signers` stay valid
 * across a reset) and the error log (an error id handed out before a reset can still be looked up).
 */
const KEPT = new Set([
  'kysely_migration',
  'kysely_migration_lock',
  'master_key_check',
  'signing_keys',
  'custody_signers',
  'error_log',
])

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`

/** A copy of the whole database file, consistent (one read transaction): SQLite's VACUUM INTO. */
export async function saveSqlite(db: Db, file: string): Promise<void> {
  const sqlite = sqliteConnectionOf(db)
  if (!sqlite) throw new Error('not a SQLite database')
  fs.rmSync(file, { force: true })
  await db.connection().execute(async () => {
    sqlite.prepare('VACUUM INTO ?').run(file)
  })
  fs.chmodSync(file, 0o600)
}

/**
 * Makes every table (but the kept ones) hold exactly what it holds in the copy at `file`, in one
 * transaction on walletd's own connection: other requests wait for the connection and then see the
 * restored state, never half of it. Foreign keys are off for the copy (the copy is consistent by
 * construction) so tables can be emptied and refilled in any order. Columns are matched by name, so
 * a copy taken before a migration that added a column with a default still restores.
 */
export async function restoreSqlite(db: Db, file: string): Promise<{ tables: number; rows: number }> {
  const sqlite = sqliteConnectionOf(db)
  if (!sqlite) throw new Error('not a SQLite database')
  if (!fs.existsSync(file)) throw new Error(`snapshot file ${file} is missing`)
  return db.connection().execute(async () => {
    sqlite.prepare('ATTACH DATABASE ? AS snap').run(file)
    sqlite.pragma('foreign_keys = OFF')
    let rows = 0
    let tables = 0
    try {
      const names = (
        sqlite
          .prepare("SELECT name FROM main.sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
          .all() as { name: string }[]
      )
        .map((r) => r.name)
        .filter((name) => !KEPT.has(name))
      const inSnapshot = new Set(
        (
          sqlite.prepare("SELECT name FROM snap.sqlite_master WHERE type = 'table'").all() as {
            name: string
          }[]
        ).map((r) => r.name),
      )
      const copy = sqlite.transaction(() => {
        for (const name of names) {
          sqlite.prepare(`DELETE FROM main.${quote(name)}`).run()
          if (!inSnapshot.has(name)) continue
          const columnsOf = (schema: string) =>
            (sqlite.prepare(`PRAGMA ${schema}.table_info(${quote(name)})`).all() as { name: string }[]).map(
              (c) => c.name,
            )
          const theirs = new Set(columnsOf('snap'))
          const columns = columnsOf('main')
            .filter((c) => theirs.has(c))
            .map(quote)
            .join(', ')
          rows += sqlite
            .prepare(
              `INSERT INTO main.${quote(name)} (${columns}) SELECT ${columns} FROM snap.${quote(name)}`,
            )
            .run().changes
          tables++
        }
      })
      copy.immediate()
    } finally {
      sqlite.pragma('foreign_keys = ON')
      sqlite.prepare('DETACH DATABASE snap').run()
    }
    return { tables, rows }
  })
}
