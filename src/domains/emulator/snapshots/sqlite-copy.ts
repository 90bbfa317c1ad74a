import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import type SQLiteDriver from 'better-sqlite3'
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

const CHANGES = 'walletd_emulator_changes'
const quote = (name: string) => `"${name.replaceAll('"', '""')}"`

interface Table {
  name: string
  columns: string[]
  /** Primary-key columns; empty when the table has none (its changes are tracked as a whole). */
  key: string[]
}

/**
 * The SQLite side of the emulator's states. Saving is `VACUUM INTO` (one consistent copy of the
 * file). Restoring empties and refills the tables from the copy, on walletd's own connection in one
 * transaction.
 *
 * To make the usual case (back to the state last saved or restored, after a test's writes) cost
 * what the test wrote rather than what the database holds, every write of walletd's connection is
 * recorded by TEMP triggers (connection-local: nothing is added to the database file) as the
 * primary key of the row it touched. Going back to the state the database was last made equal to
 * then rewrites only those rows. Whenever that cannot be trusted (another state, or a write by
 * another connection, such as `walletd org plan`, seen through `PRAGMA data_version`), every table
 * is copied.
 */
export class SqliteStates {
  readonly #db: Db
  readonly #sqlite: SQLiteDriver.Database
  #tables: Table[] | undefined
  /** The state (file) the database equals but for the recorded changes; undefined: unknown. */
  #current: string | undefined
  #dataVersion = 0

  constructor(db: Db) {
    const sqlite = sqliteConnectionOf(db)
    if (!sqlite) throw new Error('not a SQLite database')
    this.#db = db
    this.#sqlite = sqlite
  }

  /**
   * Copy the whole database to `file`; the database now equals that state. The copy is written to
   * a file of its own and renamed over `file`: two nodes starting on one data dir both save the
   * first state, and `VACUUM INTO` refuses a file that exists.
   */
  async save(file: string): Promise<void> {
    const partial = `${file}.${process.pid}-${randomBytes(4).toString('hex')}.partial`
    try {
      await this.#db.connection().execute(async () => {
        this.#track()
        this.#sqlite.prepare('VACUUM INTO ?').run(partial)
        fs.chmodSync(partial, 0o600)
        fs.renameSync(partial, file)
        this.#mark(file)
      })
    } finally {
      fs.rmSync(partial, { force: true })
    }
  }

  /** Make the database equal the state saved in `file`: only the changed rows when it can. */
  async restore(file: string): Promise<{ mode: 'rows' | 'tables'; rows: number }> {
    if (!fs.existsSync(file)) throw new Error(`snapshot file ${file} is missing`)
    return this.#db.connection().execute(async () => {
      const sqlite = this.#sqlite
      const tables = this.#track()
      const incremental = this.#current === file && this.#dataVersion === this.#version()
      sqlite.prepare('ATTACH DATABASE ? AS snap').run(file)
      sqlite.pragma('foreign_keys = OFF')
      let rows = 0
      try {
        const copy = sqlite.transaction(() => {
          const changed = this.#changes()
          const copied = tables.filter((table) => !incremental || changed.has(table.name))
          // The rows are copied as saved: the database's own triggers on the copied tables (which
          // keep one table from another, such as the velocity buckets from the ledger's rows) must
          // not act on the copy. Only those are dropped: dropping any changes the schema, which makes
          // every prepared statement of the connection prepare again.
          const names = new Set(copied.map((table) => table.name))
          const triggers = (
            sqlite
              .prepare("SELECT name, tbl_name, sql FROM main.sqlite_master WHERE type = 'trigger'")
              .all() as {
              name: string
              tbl_name: string
              sql: string
            }[]
          ).filter((trigger) => names.has(trigger.tbl_name))
          for (const trigger of triggers) sqlite.prepare(`DROP TRIGGER main.${quote(trigger.name)}`).run()
          for (const table of copied) {
            const keys = changed.get(table.name)
            rows +=
              incremental && keys && table.key.length > 0 && !keys.includes('*')
                ? this.#copyRows(table, keys)
                : this.#copyTable(table)
          }
          for (const trigger of triggers) sqlite.exec(trigger.sql)
          sqlite.prepare(`DELETE FROM temp.${CHANGES}`).run()
        })
        copy.immediate()
      } finally {
        sqlite.pragma('foreign_keys = ON')
        sqlite.prepare('DETACH DATABASE snap').run()
      }
      this.#mark(file)
      return { mode: incremental ? 'rows' : 'tables', rows }
    })
  }

  #version(): number {
    return Number(this.#sqlite.pragma('data_version', { simple: true }))
  }

  #mark(file: string): void {
    this.#sqlite.prepare(`DELETE FROM temp.${CHANGES}`).run()
    this.#current = file
    this.#dataVersion = this.#version()
  }

  /** Rows changed since the last save or restore, per table: JSON arrays of key values, or `*`. */
  #changes(): Map<string, string[]> {
    const out = new Map<string, string[]>()
    for (const row of this.#sqlite.prepare(`SELECT tbl, key FROM temp.${CHANGES}`).all() as {
      tbl: string
      key: string
    }[]) {
      out.set(row.tbl, [...(out.get(row.tbl) ?? []), row.key])
    }
    return out
  }

  #copyTable(table: Table): number {
    const name = quote(table.name)
    this.#sqlite.prepare(`DELETE FROM main.${name}`).run()
    const columns = this.#sharedColumns(table)
    return this.#sqlite
      .prepare(`INSERT INTO main.${name} (${columns}) SELECT ${columns} FROM snap.${name}`)
      .run().changes
  }

  #copyRows(table: Table, keys: string[]): number {
    const name = quote(table.name)
    const where = table.key.map((c) => `${quote(c)} = ?`).join(' AND ')
    const columns = this.#sharedColumns(table)
    const remove = this.#sqlite.prepare(`DELETE FROM main.${name} WHERE ${where}`)
    const insert = this.#sqlite.prepare(
      `INSERT INTO main.${name} (${columns}) SELECT ${columns} FROM snap.${name} WHERE ${where}`,
    )
    let rows = 0
    for (const key of keys) {
      const values = JSON.parse(key) as unknown[]
      remove.run(...values)
      rows += insert.run(...values).changes
    }
    return rows
  }

  /** Columns in both the live table and the copy (a copy saved before a migration still restores). */
  #sharedColumns(table: Table): string {
    const theirs = new Set(
      (this.#sqlite.prepare(`PRAGMA snap.table_info(${quote(table.name)})`).all() as { name: string }[]).map(
        (c) => c.name,
      ),
    )
    return table.columns
      .filter((c) => theirs.has(c))
      .map(quote)
      .join(', ')
  }

  /** The tables a state covers, with the TEMP triggers that record their changes (made once). */
  #track(): Table[] {
    if (this.#tables) return this.#tables
    const sqlite = this.#sqlite
    const names = (
      sqlite
        .prepare("SELECT name FROM main.sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        .all() as { name: string }[]
    )
      .map((r) => r.name)
      .filter((name) => !KEPT.has(name))
    // A REPLACE that removes a conflicting row fires its DELETE trigger only with recursive triggers.
    sqlite.pragma('recursive_triggers = ON')
    sqlite.exec(
      `CREATE TEMP TABLE IF NOT EXISTS ${CHANGES} (tbl TEXT, key TEXT, PRIMARY KEY (tbl, key)) WITHOUT ROWID`,
    )
    const tables = names.map((name) => {
      const info = sqlite.prepare(`PRAGMA main.table_info(${quote(name)})`).all() as {
        name: string
        pk: number
      }[]
      const key = info
        .filter((c) => c.pk > 0)
        .sort((a, b) => a.pk - b.pk)
        .map((c) => c.name)
      const table: Table = { name, columns: info.map((c) => c.name), key }
      // Not INSERT OR IGNORE: a conflict clause in a trigger gives way to the outer statement's
      // (an upsert's ON CONFLICT), which turned a key already recorded into a UNIQUE failure of
      // the application's own write. Inserting only what is not there yet cannot conflict.
      const record = (row: 'NEW' | 'OLD') => {
        const keyOf =
          key.length === 0 ? `'*'` : `json_array(${key.map((c) => `${row}.${quote(c)}`).join(', ')})`
        return `INSERT INTO temp.${CHANGES} (tbl, key) SELECT ${sqlString(name)}, ${keyOf} WHERE NOT EXISTS (SELECT 1 FROM temp.${CHANGES} WHERE tbl = ${sqlString(name)} AND key = ${keyOf});`
      }
      const trigger = (event: string, body: string) =>
        sqlite.exec(
          `CREATE TEMP TRIGGER IF NOT EXISTS ${quote(`walletd_emulator_${event}_${name}`)} AFTER ${event} ON main.${quote(name)} BEGIN ${body} END`,
        )
      trigger('INSERT', record('NEW'))
      trigger('UPDATE', record('OLD') + record('NEW'))
      trigger('DELETE', record('OLD'))
      return table
    })
    this.#tables = tables
    return tables
  }
}

const sqlString = (text: string) => `'${text.replaceAll("'", "''")}'`
