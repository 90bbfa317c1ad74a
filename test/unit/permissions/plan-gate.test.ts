import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import Fastify, { type FastifyInstance } from 'fastify'
import { ManualClock } from '../../../src/clock.ts'
import { createPlansModule, installPlanGate, type PlanService } from '../../../src/domains/plans/index.ts'
import { isAppError } from '../../../src/errors.ts'
import type { Caller } from '../../../src/http/context.ts'
import { createTestDatabase, type TestDatabase } from '../../helpers/database.ts'

const caller = (orgId: string): Caller => ({
  orgId,
  userId: 'us-x',
  tokenId: 'to-x',
  kind: 'ServiceAccount',
  appId: 'ap-x',
  tokenKind: 'ServiceAccount',
  username: 'x',
})

/** The route-level plan gate (`config: { planFeature }`) on a real plan service and database. */
describe('plan gate', () => {
  let database: TestDatabase
  let plans: PlanService
  let app: FastifyInstance
  before(async () => {
    database = await createTestDatabase()
    plans = createPlansModule({ db: database.db, clock: new ManualClock(0), defaultRateLimit: 0 }).service
    app = Fastify({ logger: false })
    app.decorateRequest('caller', undefined)
    app.addHook('onRequest', async (request) => {
      request.caller = caller(String(request.headers['x-org']))
    })
    installPlanGate(app, plans)
    app.setErrorHandler((err, _request, reply) => {
      if (isAppError(err)) return reply.code(err.status).send({ message: err.message, details: err.details })
      return reply.code(500).send({ message: String(err) })
    })
    app.post('/export', { config: { planFeature: 'walletExport' } }, async () => ({ exported: true }))
    app.post('/free', async () => ({ free: true }))
    await app.ready()
  })
  after(async () => {
    await app.close()
    await database.dispose()
  })

  it('a route needing a feature the plan lacks is a 402 naming the feature and the plan', async () => {
    const refused = await app.inject({
      method: 'POST',
      url: '/export',
      headers: { 'x-org': 'or-a' },
      payload: {},
    })
    assert.equal(refused.statusCode, 402)
    assert.deepEqual(refused.json(), {
      message: 'Feature walletExport is not available on the Developer plan.',
      details: { feature: 'walletExport', plan: 'Developer', orgId: 'or-a' },
    })
    const free = await app.inject({ method: 'POST', url: '/free', headers: { 'x-org': 'or-a' }, payload: {} })
    assert.equal(free.statusCode, 200)
  })

  it('the feature enabled on the org’s plan opens the route for that org only', async () => {
    await plans.change('or-b', { enable: ['walletExport'] })
    const allowed = await app.inject({
      method: 'POST',
      url: '/export',
      headers: { 'x-org': 'or-b' },
      payload: {},
    })
    assert.equal(allowed.statusCode, 200)
    const other = await app.inject({
      method: 'POST',
      url: '/export',
      headers: { 'x-org': 'or-c' },
      payload: {},
    })
    assert.equal(other.statusCode, 402)
  })
})
