import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { routeTable } from '../../../src/http/route-table.ts'
import { testDialect } from '../../helpers/database.ts'
import { startWalletd } from '../../helpers/sdk.ts'
import { prepareSecurityContext, routeSecurityTests, servedRoutes } from './route-security.ts'

// The app is started before the tests are declared: which routes exist decides which tests exist.
const w = await startWalletd()
const ctx = await prepareSecurityContext(w)

describe(`every served route of the route table is guarded (${testDialect})`, () => {
  after(() => w.close())

  it('serves the permissions, policies and auth rows at least (the walk is not empty)', () => {
    const served = servedRoutes(w).map((r) => r.key)
    for (const key of ['POST /permissions', 'GET /v2/policies', 'GET /auth/users/:userId']) {
      assert.ok(served.includes(key), `${key} is not served`)
    }
    assert.ok(served.length <= Object.keys(routeTable).length)
  })

  routeSecurityTests(ctx)
})
