import { type Expression, type Kysely, PostgresAdapter, type RawBuilder, sql } from 'kysely'
import type { Dialect } from './database.ts'

/**
 * JSON built by the database, for statements that must hand back a set of rows along with their
 * write (an INSERT … SELECT … RETURNING answers one row). The two dialects name the functions
 * differently; both produce JSON text, read back with JSON.parse.
 */

export function dialectOf<DB>(db: Kysely<DB>): Dialect {
  return db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite'
}

/** A JSON array of the given values. */
export function jsonArray(dialect: Dialect, items: Expression<unknown>[]): RawBuilder<unknown> {
  const list = sql.join(items)
  return dialect === 'postgres' ? sql`json_build_array(${list})` : sql`json_array(${list})`
}

/** The aggregate: a JSON array (text) of `item` over the group's rows in `order`; an empty group gives null on PostgreSQL, `[]` on SQLite. */
export function jsonGroupArray(
  dialect: Dialect,
  item: Expression<unknown>,
  order: Expression<unknown>,
): RawBuilder<string | null> {
  return dialect === 'postgres'
    ? sql<string | null>`json_agg(${item} order by ${order})::text`
    : sql<string | null>`json_group_array(${item} order by ${order})`
}
