import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { buildApp } from '../../../src/app.ts'
import { ManualClock } from '../../../src/clock.ts'
import { loadConfig } from '../../../src/config.ts'
import { SecretBox } from '../../../src/custody/secret-box.ts'
import { isCurrentOperation } from '../../../src/domains/permissions/operations.ts'
import {
  emulatorRoutes,
  errorStatusesOf,
  operationalRoutes,
  routeKey,
  routeTable,
} from '../../../src/http/route-table.ts'
import { createTestApp, type TestApp } from '../../helpers/app.ts'
import { createTestDatabase } from '../../helpers/database.ts'
import { sdkMethods, shapeOf } from '../../helpers/sdk-methods.ts'

/**
 * The route table is the one place that says who may call what, and it covers every method of the
 * official SDK. These checks fail when a route is registered without a row, an SDK method has no
 * row, a row names an operation no permission can grant, or a row says served and is not.
 */
describe('route table', () => {
  let t: TestApp
  before(async () => {
    t = await createTestApp()
  })
  after(() => t.close())

  const rows = Object.entries(routeTable)

  it('every row names a current operation (or none) and a known auth mode', () => {
    for (const [key, rule] of rows) {
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

  it('every method of the installed SDK has its row, at its method and path', () => {
    const bySdk = new Map(rows.map(([key, rule]) => [rule.sdk, key]))
    const missing: string[] = []
    for (const m of sdkMethods()) {
      const key = bySdk.get(m.name)
      if (!key) missing.push(`${m.name} (${m.method} ${m.path})`)
      else assert.equal(shapeOf(key), shapeOf(routeKey(m.method, m.path)), `${m.name} is at another route`)
    }
    assert.deepEqual(missing, [], 'SDK methods without a row in src/http/route-table.ts')
  })

  it('every row names an SDK method, each once, and signs a user action exactly when the SDK does', () => {
    const sdk = new Map(sdkMethods().map((m) => [m.name, m]))
    const seen = new Set<string>()
    for (const [key, rule] of rows) {
      const method = sdk.get(rule.sdk)
      assert.ok(method, `${key}: ${rule.sdk} is not a method of the installed SDK`)
      assert.ok(!seen.has(rule.sdk), `${rule.sdk} has two rows`)
      seen.add(rule.sdk)
      if (!rule.notServed) {
        assert.equal(rule.userAction, method.userAction, `${key}: user action differs from the SDK's`)
      }
    }
  })

  it('every route buildApp registers has a row (from the OpenAPI document, which lists them all)', () => {
    const registered = Object.keys(paths()).flatMap((path) =>
      Object.keys(paths()[path]!).map((method) => routeKey(method, path.replace(/\{(\w+)\}/g, ':$1'))),
    )
    assert.ok(registered.length > 150, `only ${registered.length} routes found`)
    const missing = registered.filter(
      (key) => !routeTable[key] && !operationalRoutes.has(key) && !emulatorRoutes.has(key),
    )
    assert.deepEqual(missing, [])
  })

  it('every row is answered by the app: 501 naming the domain when not served, never 501 or 404 when served', async () => {
    for (const [key, rule] of rows) {
      const [method, url] = key.split(' ') as [string, string]
      const path = url.replace(/:(\w+)/g, 'xx-$1')
      // No token and an empty body: a served route refuses it (401/400), it never says "not here".
      const res = await t.app.inject({
        method: method as 'GET',
        url: path,
        ...(method === 'GET' ? {} : { payload: '{}', headers: { 'content-type': 'application/json' } }),
      })
      const error = res.json().error
      if (rule.notServed) {
        assert.equal(res.statusCode, 501, `${key}: ${res.body}`)
        assert.deepEqual(error.details, { domain: rule.notServed, method, path }, key)
      } else {
        assert.ok(
          ![404, 405, 501].includes(res.statusCode),
          `${key} is in the table but not served: ${res.body}`,
        )
      }
    }
  })

  it('the OpenAPI document names each route by its SDK method, with its summary, errors and servers', () => {
    const spec = t.app.swagger() as { servers?: { url: string }[] }
    assert.deepEqual(spec.servers, [{ url: t.config.publicUrl }])
    for (const [key, rule] of rows) {
      const [method, url] = key.split(' ') as [string, string]
      const op = paths()[url.replace(/:(\w+)/g, '{$1}')]?.[method.toLowerCase()]
      assert.ok(op, `${key} is not in the document`)
      assert.equal(op.operationId, rule.sdk, key)
      assert.equal(op.summary, rule.summary, key)
      for (const status of errorStatusesOf(key, rule)) {
        assert.ok(op.responses?.[String(status)], `${key}: no ${status} response`)
      }
    }
    for (const key of ['GET /healthz', 'GET /readyz', 'GET /metrics']) {
      const [method, url] = key.split(' ') as [string, string]
      assert.ok(paths()[url]?.[method.toLowerCase()]?.summary, `${key} is not in the document`)
    }
    const ids = rows.map(([, rule]) => rule.sdk)
    assert.equal(new Set(ids).size, ids.length, 'operationIds are unique')
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

  // biome-ignore lint/suspicious/noExplicitAny: the document's operations are read loosely
  type Operation = { operationId?: string; summary?: string; responses?: Record<string, any> }
  function paths(): Record<string, Record<string, Operation>> {
    return (t.app.swagger() as { paths: Record<string, Record<string, Operation>> }).paths
  }
})
