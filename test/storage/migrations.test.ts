import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { sql } from 'kysely'
import { type DatabaseHandle, migrateToLatest, openDatabase, pingDatabase } from '../../src/db/database.ts'
import { migrationProvider } from '../../src/db/migrations/index.ts'
import { createTestDatabase, type TestDatabase, testDialect } from '../helpers/database.ts'

// The same cases on SQLite and on PostgreSQL: the dialect comes from WALLETD_TEST_DATABASE_URL.

const allMigrations = Object.keys(await migrationProvider.getMigrations()).sort()
const opened: TestDatabase[] = []
after(async () => {
  for (const db of opened) await db.dispose()
})

async function fresh(): Promise<TestDatabase> {
  const db = await createTestDatabase({ migrate: false })
  opened.push(db)
  return db
}

async function appliedMigrations(handle: DatabaseHandle): Promise<string[]> {
  const rows = await handle.db
    .withTables<{ kysely_migration: { name: string } }>()
    .selectFrom('kysely_migration')
    .select('name')
    .orderBy('name')
    .execute()
  return rows.map((r) => r.name)
}

describe(`migrations (${testDialect})`, () => {
  it('apply every migration once on a fresh database, then nothing', async () => {
    const db = await fresh()
    assert.deepEqual(await migrateToLatest(db), allMigrations)
    assert.deepEqual(await migrateToLatest(db), [])
    assert.deepEqual(await migrateToLatest(db), [])
    assert.deepEqual(await appliedMigrations(db), allMigrations)
  })

  it('create the foundation tables the same way on both dialects', async () => {
    const db = await fresh()
    await migrateToLatest(db)
    const tables = (await db.db.introspection.getTables()).map((t) => t.name)
    for (const name of ['orgs', 'error_log']) assert.ok(tables.includes(name), `table ${name} exists`)
    const errorLog = (await db.db.introspection.getTables()).find((t) => t.name === 'error_log')
    assert.deepEqual(errorLog?.columns.map((c) => c.name).sort(), [
      'caller_id',
      'cause',
      'code',
      'date_created',
      'details',
      'id',
      'message',
      'method',
      'org_id',
      'path',
      'request_id',
      'status',
      'suppressed',
    ])
  })

  it('a database is reachable once migrated', async () => {
    const db = await fresh()
    await migrateToLatest(db)
    await pingDatabase(db)
  })

  it('two nodes migrating the same fresh PostgreSQL schema at once both succeed, applying each migration once', {
    skip: testDialect !== 'postgres' && 'SQLite is a single-node database: one process migrates it',
  }, async () => {
    for (let round = 0; round < 3; round++) {
      const db = await fresh()
      const nodes = [db.openAnother(), db.openAnother(), db.openAnother()]
      try {
        const results = await Promise.all(nodes.map((node) => migrateToLatest(node)))
        // Every migration was applied by exactly one node; the others found nothing to do.
        assert.deepEqual(results.flat().sort(), allMigrations)
        assert.deepEqual(await appliedMigrations(db), allMigrations)
      } finally {
        for (const node of nodes) await node.close()
      }
    }
  })

  it('a schema of its own is migrated even when another schema of the same PostgreSQL database already is', {
    skip: testDialect !== 'postgres' && 'PostgreSQL schemas only',
  }, async () => {
    // Two deployments in two schemas of one PostgreSQL database (search_path per deployment).
    const holder = await fresh()
    await sql`create schema deployment_a`.execute(holder.db)
    await sql`create schema deployment_b`.execute(holder.db)
    const url = holder.databaseUrl!
    const first = openDatabase({ kind: 'postgres', url, searchPath: 'deployment_a', poolSize: 2 })
    const second = openDatabase({ kind: 'postgres', url, searchPath: 'deployment_b', poolSize: 2 })
    try {
      assert.deepEqual(await migrateToLatest(first), allMigrations)
      assert.deepEqual(await migrateToLatest(second), allMigrations)
    } finally {
      await first.close()
      await second.close()
    }
    const schemas = await sql<{ n: number }>`select count(*)::int as n from information_schema.tables
        where table_name = 'error_log' and table_schema in ('deployment_a', 'deployment_b')`.execute(
      holder.db,
    )
    assert.equal(schemas.rows[0]?.n, 2)
  })
})
