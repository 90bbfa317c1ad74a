import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { buildApp } from '../../../src/app.ts'
import { ManualClock } from '../../../src/clock.ts'
import { loadConfig } from '../../../src/config.ts'
import { SecretBox } from '../../../src/custody/secret-box.ts'
import { isCurrentOperation } from '../../../src/domains/permissions/operations.ts'
import { operationalRoutes, routeKey, routeTable } from '../../../src/http/route-table.ts'
import { createTestApp, type TestApp } from '../../helpers/app.ts'
import { createTestDatabase } from '../../helpers/database.ts'

/**
 * The route table is the one place that says who may call what. These checks fail when a route is
 * registered without a row, or a row names an operation that no permission can grant.
 */
describe('route table', () => {
  let t: TestApp
  before(async () => {
    t = await createTestApp()
  })
  after(() => t.close())

  it('every row names a current operation (or none) and a known auth mode', () => {
    for (const [key, rule] of Object.entries(routeTable)) {
      assert.ok(['token', 'none', 'registration'].includes(rule.auth), `${key}: auth ${rule.auth}`)
      if (rule.operation !== null) {
        assert.ok(
          isCurrentOperation(rule.operation),
          `${key}: ${rule.operation} is not a current operation name`,
        )
      }
      // A route anyone may call cannot require an operation or a user action: nobody to check.
      if (rule.auth !== 'token') {
        assert.equal(rule.operation, null, `${key}: an operation on a route without a token`)
        assert.equal(rule.userAction, false, `${key}: a user action on a route without a token`)
      }
      // Reads are never user-action signed (the SDK sends no x-dfns-useraction on GET).
      if (key.startsWith('GET ')) assert.equal(rule.userAction, false, `${key}: a signed GET`)
    }
  })

  it('every route buildApp registers has a row (from the OpenAPI document, which lists them all)', () => {
    const spec = t.app.swagger() as { paths: Record<string, Record<string, unknown>> }
    const registered: string[] = []
    for (const [path, methods] of Object.entries(spec.paths)) {
      const url = path.replace(/\{(\w+)\}/g, ':$1')
      for (const method of Object.keys(methods)) {
        if (method === 'head' || method === 'parameters') continue
        registered.push(routeKey(method, url))
      }
    }
    assert.ok(registered.length > 40, `only ${registered.length} routes found`)
    const missing = registered.filter((key) => !routeTable[key] && !operationalRoutes.has(key))
    assert.deepEqual(missing, [])
  })

  it('every row the app serves is answered by that app (no stale rows for served prefixes)', () => {
    for (const key of Object.keys(routeTable)) {
      const [method, url] = key.split(' ') as [string, string]
      if (!url.startsWith('/permissions')) continue
      assert.ok(t.app.hasRoute({ method: method as 'GET', url }), `${key} is in the table but not served`)
    }
  })

  it('a route registered without a row stops the app from starting', async () => {
    const database = await createTestDatabase()
    try {
      const app = await buildApp(loadConfig({ dataDir: '/nonexistent-test-data-dir' }, {}), {
        database,
        clock: new ManualClock(0),
        secrets: new SecretBox(randomBytes(32)),
        logger: false,
      })
      const attempt = async () => {
        app.get('/no-row-for-this', async () => ({}))
        await app.ready()
      }
      await assert.rejects(attempt, /GET \/no-row-for-this has no row in src\/http\/route-table.ts/)
      await app.close().catch(() => {})
    } finally {
      await database.dispose()
    }
  })
})
