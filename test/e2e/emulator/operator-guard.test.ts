import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { buildApp } from '../../../src/app.ts'
import { ManualClock } from '../../../src/clock.ts'
import { loadConfig } from '../../../src/config.ts'
import { SecretBox } from '../../../src/custody/secret-box.ts'
import { emulatorRoutes } from '../../../src/http/route-table.ts'
import { createTestApp, type TestApp } from '../../helpers/app.ts'
import { createTestDatabase, testDialect } from '../../helpers/database.ts'
import { assertErrorBody } from '../../helpers/error-body.ts'

/** A concrete URL for a route pattern (`:name` → `x`). */
const urlOf = (pattern: string) => pattern.replace(/:\w+/g, 'x')
const each = () => [...emulatorRoutes].map((key) => key.split(' ') as ['GET' | 'POST' | 'DELETE', string])

describe(`the emulator's operator token (development profile, ${testDialect})`, () => {
  let t: TestApp
  before(async () => {
    t = await createTestApp()
  })
  after(() => t.close())

  it('admits the operator token', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: '/emulator/clock',
      headers: { authorization: `Bearer ${t.operatorToken}` },
    })
    assert.equal(res.statusCode, 200, res.body)
    assert.equal(res.json().now, '2026-01-01T00:00:00.000Z')
  })

  it('refuses a missing, wrong, truncated, padded or org token with 401 in the error contract', async () => {
    const org = await t.app.walletd.auth.bootstrapOrg()
    const attempts: (string | undefined)[] = [
      undefined,
      '',
      'Bearer',
      'Bearer ',
      `Bearer ${t.operatorToken.slice(0, -1)}`,
      `Bearer ${t.operatorToken}x`,
      `Bearer  ${t.operatorToken}`,
      `bearer ${t.operatorToken}`,
      t.operatorToken,
      `Basic ${Buffer.from(`operator:${t.operatorToken}`).toString('base64')}`,
      `Bearer ${org.serviceAccount.accessToken}`,
    ]
    for (const authorization of attempts) {
      const res = await t.app.inject({
        method: 'GET',
        url: '/emulator/clock',
        headers: authorization === undefined ? {} : { authorization },
      })
      const error = assertErrorBody(res, 401)
      assert.match(error.message, /operator token/)
      assert.ok(!res.body.includes(t.operatorToken), 'the token is never echoed')
    }
  })

  it('guards every emulator route the app serves, before validating anything', async () => {
    let served = 0
    for (const [method, pattern] of each()) {
      if (!t.app.hasRoute({ method, url: pattern })) continue
      served++
      const res = await t.app.inject({
        method,
        url: urlOf(pattern),
        payload: method === 'GET' ? undefined : {},
      })
      assertErrorBody(res, 401)
    }
    assert.ok(served >= 1, 'no emulator route served')
  })

  it('an emulator route registered outside the guarded context stops the app from starting', async () => {
    const database = await createTestDatabase()
    try {
      const app = await buildApp(loadConfig({ dataDir: '/nonexistent-test-data-dir' }, {}), {
        database,
        clock: new ManualClock(0),
        secrets: new SecretBox(randomBytes(32)),
        logger: false,
        operatorToken: randomBytes(24).toString('base64url'),
      })
      const attempt = async () => {
        app.post('/emulator/faucet', async () => ({}))
        await app.ready()
      }
      await assert.rejects(attempt, /POST \/emulator\/faucet must be added through the emulator's context/)
      await app.close().catch(() => {})
    } finally {
      await database.dispose()
    }
  })
})

describe(`the production profile has no emulator routes (${testDialect})`, () => {
  let t: TestApp
  before(async () => {
    t = await createTestApp({ config: { profile: 'production' } })
  })
  after(() => t.close())

  it('answers every emulator route, with or without the operator token, as an unknown route (404)', async () => {
    for (const [method, pattern] of each()) {
      assert.equal(t.app.hasRoute({ method, url: pattern }), false, `${method} ${pattern} is served`)
      for (const headers of [{}, { authorization: `Bearer ${t.operatorToken}` }]) {
        const res = await t.app.inject({
          method,
          url: urlOf(pattern),
          headers,
          payload: method === 'GET' ? undefined : {},
        })
        const error = assertErrorBody(res, 404)
        const unknown = await t.app.inject({ method, url: '/no-such-route', headers })
        assert.equal(
          error.message,
          JSON.parse(unknown.body).error.message.replace('/no-such-route', urlOf(pattern)),
        )
      }
    }
  })
})
