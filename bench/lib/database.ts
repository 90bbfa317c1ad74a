import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import pg from 'pg'
import { type DatabaseHandle, migrateToLatest, openDatabase } from '../../src/db/database.ts'

export interface BenchDatabase {
  readonly handle: DatabaseHandle
  readonly dialect: 'sqlite' | 'postgres'
  cleanup(): Promise<void>
}

/**
 * A migrated database for an in-process bench script: a fresh schema on `DATABASE_URL` when it is
 * set (dropped by `cleanup`), else SQLite in a temp file (removed by `cleanup`).
 */
export async function openBenchDatabase(name: string): Promise<BenchDatabase> {
  const url = process.env.DATABASE_URL
  if (url) {
    const schema = `bench_${randomBytes(4).toString('hex')}`
    const admin = new pg.Client({ connectionString: url })
    await admin.connect()
    await admin.query(`create schema ${schema}`)
    await admin.end()
    const handle = openDatabase({ kind: 'postgres', url, searchPath: schema })
    await migrateToLatest(handle)
    return {
      handle,
      dialect: 'postgres',
      cleanup: async () => {
        await handle.close()
        const c = new pg.Client({ connectionString: url })
        await c.connect()
        await c.query(`drop schema ${schema} cascade`)
        await c.end()
      },
    }
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `walletd-bench-${name}-`))
  const handle = openDatabase({ kind: 'sqlite', file: path.join(dir, 'bench.sqlite') })
  await migrateToLatest(handle)
  return {
    handle,
    dialect: 'sqlite',
    cleanup: async () => {
      await handle.close()
      fs.rmSync(dir, { recursive: true, force: true })
    },
  }
}
