import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { DfnsApiClient, DfnsError } from '@dfns/sdk'
import { AsymmetricKeySigner } from '@dfns/sdk-keysigner'
import { testDialect } from '../../helpers/database.ts'
import { chainalysisPolicy } from '../../helpers/policies.ts'
import { assertErrorBody, rawRequest, startWalletd, type Walletd } from '../../helpers/sdk.ts'

describe(`plans (402) through the SDK (${testDialect})`, () => {
  let w: Walletd
  before(async () => {
    w = await startWalletd()
  })
  after(() => w.close())

  it('a Chainalysis rule on the default Developer plan is a 402 naming the feature and the plan', async () => {
    const err = await w.root.policies.createPolicy({ body: chainalysisPolicy }).then(
      () => assert.fail('expected 402'),
      (e: unknown) => e,
    )
    assert.ok(err instanceof DfnsError)
    assert.equal(err.httpStatus, 402)
    assert.equal(err.message, 'Feature chainalysis is not available on the Developer plan.')
    const body = (err.context as { body: { error: { details: unknown; status: number } } }).body
    assert.equal(body.error.status, 402)
    assert.deepEqual(body.error.details, { feature: 'chainalysis', plan: 'Developer', orgId: w.orgId })
  })

  it('enabling the feature on the org’s plan lets the same request through; another org keeps its plan', async () => {
    await w.app.walletd.plans.change(w.orgId, { enable: ['chainalysis'] })
    const created = await w.root.policies.createPolicy({ body: chainalysisPolicy })
    assert.equal(created.rule.kind, 'ChainalysisTransactionPrescreening')

    const other = await w.bootstrapOrg()
    const otherRoot = new DfnsApiClient({
      baseUrl: w.baseUrl,
      orgId: other.orgId,
      authToken: other.serviceAccount.accessToken,
      signer: new AsymmetricKeySigner({
        credId: other.serviceAccount.credId,
        privateKey: other.serviceAccount.privateKey,
      }),
    })
    await assert.rejects(
      otherRoot.policies.createPolicy({ body: chainalysisPolicy }),
      (e: unknown) => e instanceof DfnsError && e.httpStatus === 402,
    )
  })

  it('Enterprise enables every feature; Developer is the documented default', async () => {
    const other = await w.bootstrapOrg()
    const developer = await w.app.walletd.plans.planOf(other.orgId)
    assert.deepEqual(developer, {
      name: 'Developer',
      rateLimitPerMinute: 0,
      features: {
        walletExport: false,
        walletImport: false,
        chainalysis: false,
        globalLedger: false,
        travelRule: false,
        webhooks: 5,
      },
    })
    const enterprise = await w.app.walletd.plans.change(other.orgId, { plan: 'Enterprise' })
    assert.equal(enterprise.name, 'Enterprise')
    assert.ok(Object.values(enterprise.features).every((v) => v !== false))
  })
})

describe(`rate limits (429) per org over 60 s (${testDialect})`, () => {
  let w: Walletd
  before(async () => {
    w = await startWalletd()
  })
  after(() => w.close())

  const list = (token: string) => rawRequest(w.baseUrl, { method: 'GET', path: '/permissions', token })

  it('the N+1th request of the window is a 429 with Retry-After; every response carries the X-RateLimit headers', async () => {
    await w.app.walletd.plans.change(w.orgId, { rateLimitPerMinute: 5 })
    const token = w.bootstrap.serviceAccount.accessToken
    // On walletd's clock (the in-memory window runs on it), which tests move by hand.
    const before = Math.floor(w.clock.now().getTime() / 1000)
    for (let i = 1; i <= 5; i++) {
      const response = await list(token)
      assert.equal(response.status, 200)
      assert.equal(response.headers.get('x-ratelimit-limit'), '5')
      assert.equal(response.headers.get('x-ratelimit-remaining'), String(5 - i))
      const reset = Number(response.headers.get('x-ratelimit-reset'))
      // A unix time in seconds within the 60 s window, not "seconds from now".
      assert.ok(reset >= before && reset <= Math.ceil(w.clock.now().getTime() / 1000) + 60, `reset ${reset}`)
      assert.equal(response.headers.get('retry-after'), null)
    }
    const limited = await list(token)
    assertErrorBody(limited, 429)
    assert.equal(limited.headers.get('x-ratelimit-limit'), '5')
    assert.equal(limited.headers.get('x-ratelimit-remaining'), '0')
    const retryAfter = Number(limited.headers.get('retry-after'))
    assert.ok(retryAfter > 0 && retryAfter <= 60, `retry-after ${retryAfter}`)
    assert.deepEqual(limited.body.error.details, { limit: 5, retryAfterSeconds: retryAfter, orgId: w.orgId })

    // The SDK surfaces it as DfnsError(429); every token of the org shares the quota.
    const pat = await w.newPat().catch((e: unknown) => e)
    assert.ok(pat instanceof DfnsError && pat.httpStatus === 429)
  })

  it('the quota is the org’s: another org is unaffected, and an unlimited plan sends no headers', async () => {
    const other = await w.bootstrapOrg()
    const response = await list(other.serviceAccount.accessToken)
    assert.equal(response.status, 200)
    // The default plan is unlimited on the embedded default (WALLETD_RATE_LIMIT=0): nothing counted.
    assert.equal(response.headers.get('x-ratelimit-limit'), null)

    await w.app.walletd.plans.change(other.orgId, { rateLimitPerMinute: 3 })
    const statuses: number[] = []
    for (let i = 0; i < 4; i++) statuses.push((await list(other.serviceAccount.accessToken)).status)
    assert.deepEqual(statuses, [200, 200, 200, 429])
  })

  it('refused requests count too (403), while a 401 is counted against no org', async () => {
    const org = await w.bootstrapOrg()
    await w.app.walletd.plans.change(org.orgId, { rateLimitPerMinute: 2 })
    const unauthenticated = await list('not-a-token')
    assert.equal(unauthenticated.status, 401)
    assert.equal(unauthenticated.headers.get('x-ratelimit-limit'), null)
    const missingUserAction = await rawRequest(w.baseUrl, {
      method: 'POST',
      path: '/permissions',
      token: org.serviceAccount.accessToken,
      body: { name: 'x', operations: ['Wallets:Read'] },
    })
    assert.equal(missingUserAction.status, 403)
    assert.equal(missingUserAction.headers.get('x-ratelimit-remaining'), '1')
    assert.equal((await list(org.serviceAccount.accessToken)).status, 200)
    assert.equal((await list(org.serviceAccount.accessToken)).status, 429)
  })

  it('operational routes are never limited', async () => {
    for (let i = 0; i < 10; i++) {
      const response = await rawRequest(w.baseUrl, { method: 'GET', path: '/healthz' })
      assert.equal(response.status, 200)
      assert.equal(response.headers.get('x-ratelimit-limit'), null)
    }
  })
})

describe(`rate limits when Redis cannot be reached (${testDialect})`, () => {
  let w: Walletd
  before(async () => {
    // Port 1: nothing listens there, every connection is refused.
    w = await startWalletd({ config: { redisUrl: 'redis://127.0.0.1:1' } })
  })
  after(() => w.close())

  it('requests are served uncounted (fail open), never a 500', async () => {
    await w.app.walletd.plans.change(w.orgId, { rateLimitPerMinute: 1 })
    for (let i = 0; i < 3; i++) {
      const response = await rawRequest(w.baseUrl, {
        method: 'GET',
        path: '/permissions',
        token: w.bootstrap.serviceAccount.accessToken,
      })
      assert.equal(response.status, 200, JSON.stringify(response.body))
    }
  })
})
