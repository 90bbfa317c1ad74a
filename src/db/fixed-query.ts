import { type Compilable, CompiledQuery } from 'kysely'
import type { Db } from './database.ts'

/**
 * A query whose shape never changes, built and compiled by Kysely once; each run only binds its
 * parameters. Building and compiling a query costs tens of microseconds of CPU, more than SQLite
 * takes to answer most of walletd's, and the hot paths (every authenticated request, every
 * signature) send the same few shapes again and again.
 *
 *   const byId = fixedQuery(db, (p: Params<{ id: string }>) =>
 *     db.selectFrom('wallets').selectAll().where('id', '=', p.id))
 *   const row = await byId.first({ id }, trx)
 *
 * `p.name` stands for a parameter: use it only where Kysely passes a value through as one bound
 * parameter (a comparison, `eb.val`, a column's value), never inside a list for `in` or a value
 * Kysely would inspect; and name each one (`p` is a stand-in: spreading it gives nothing).
 * The compiled SQL depends only on the dialect, so it serves `db` and every transaction of `db`.
 */
export type Params<P> = { readonly [K in keyof P]: P[K] }

class Slot {
  constructor(readonly name: string) {}
}

export interface FixedQuery<P, R> {
  /** Every row, from `executor` (a transaction of the same database) or the database itself. */
  all(params: P, executor?: Db): Promise<R[]>
  first(params: P, executor?: Db): Promise<R | undefined>
}

export function fixedQuery<P extends Record<string, unknown>, R>(
  db: Db,
  build: (p: Params<P>) => Compilable<R>,
): FixedQuery<P, R> {
  let compiled: { sql: string; slots: readonly (Slot | { value: unknown })[] } | undefined
  function compile() {
    const slots = new Proxy({} as Params<P>, { get: (_, name) => new Slot(String(name)) })
    const query = build(slots).compile()
    compiled = {
      sql: query.sql,
      slots: query.parameters.map((value) => (value instanceof Slot ? value : { value })),
    }
    return compiled
  }
  function bind(params: P): CompiledQuery<R> {
    const { sql, slots } = compiled ?? compile()
    return CompiledQuery.raw(
      sql,
      slots.map((slot) => (slot instanceof Slot ? params[slot.name] : slot.value)),
    ) as CompiledQuery<R>
  }
  return {
    async all(params, executor = db) {
      return (await executor.executeQuery(bind(params))).rows
    },
    async first(params, executor = db) {
      return (await executor.executeQuery(bind(params))).rows[0]
    },
  }
}
