import assert from 'node:assert/strict'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { findRecordedError } from '../../src/http/error-recorder.ts'
import { outOfScopeDomains } from '../../src/http/out-of-scope.ts'
import { createTestApp, type TestApp } from '../helpers/app.ts'
import { assertErrorBody, rawRequest } from '../helpers/error-body.ts'

// Failures before or instead of a route: unknown paths, unsupported methods, out-of-scope Dfns
// domains, and what no HTTP client sends on purpose (bad percent-encoding, oversized headers,
// garbage). All against the real app, over a real socket where inject() cannot reach.

let t: TestApp
let port: number
before(async () => {
  t = await createTestApp({ config: { bodyLimit: 4096 } })
  await t.app.listen({ host: '127.0.0.1', port: 0 })
  port = (t.app.server.address() as AddressInfo).port
})
after(async () => {
  await t.close()
})

const json = { 'content-type': 'application/json' }

describe('unknown routes', () => {
  it('GET of an unknown path is a 404 naming method and path', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/no/such/thing?x=1' })
    const error = assertErrorBody(res, 404)
    assert.equal(error.message, 'No route GET /no/such/thing.')
    assert.deepEqual(error.details, { method: 'GET', path: '/no/such/thing' })
  })

  it('a trailing slash is a different path', async () => {
    assertErrorBody(await t.app.inject({ method: 'GET', url: '/healthz/' }), 404)
  })

  for (const [what, headers, payload] of [
    ['malformed JSON', json, '{"a":'],
    ['an oversized body', json, JSON.stringify({ pad: 'x'.repeat(10_000) })],
    ['a wrong content type', { 'content-type': 'text/plain' }, 'hello'],
  ] as const) {
    it(`${what} on an unknown path still gives the route error (404)`, async () => {
      const res = await t.app.inject({ method: 'POST', url: '/nowhere', headers, payload })
      const error = assertErrorBody(res, 404)
      assert.deepEqual(error.details, { method: 'POST', path: '/nowhere' })
    })
  }

  it('a HEAD of an unknown path is a 404 with a JSON content type and no body', async () => {
    const res = await t.app.inject({ method: 'HEAD', url: '/nowhere' })
    assert.equal(res.statusCode, 404)
    assert.match(String(res.headers['content-type']), /^application\/json/)
    assert.equal(res.body, '')
  })
})

describe('unsupported methods', () => {
  for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'] as const) {
    it(`${method} on a GET-only route is a 405 with an Allow header`, async () => {
      const res = await t.app.inject({ method, url: '/healthz' })
      const error = assertErrorBody(res, 405)
      assert.equal(res.headers.allow, 'GET, HEAD')
      assert.equal(error.message, `Method ${method} is not allowed on /healthz.`)
      assert.deepEqual(error.details, { method, path: '/healthz', allowed: ['GET', 'HEAD'] })
    })
  }

  it('a malformed body on a known path with the wrong method gives the 405, not a parse error', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/readyz', headers: json, payload: '{oops' })
    assertErrorBody(res, 405)
  })

  it('HEAD of a GET route answers like GET without a body', async () => {
    const res = await t.app.inject({ method: 'HEAD', url: '/healthz' })
    assert.equal(res.statusCode, 200)
    assert.match(String(res.headers['content-type']), /^application\/json/)
    assert.equal(res.body, '')
  })
})

describe('out-of-scope Dfns domains answer 501 naming the domain', () => {
  // One request per Dfns domain walletd leaves out (src/http/out-of-scope.ts).
  const cases: [domain: string, method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string][] = [
    ['exchanges', 'GET', '/exchanges'],
    ['exchanges', 'POST', '/exchanges/ex-1/accounts/acc-1/withdrawals'],
    ['staking', 'GET', '/staking/stakes'],
    ['swaps', 'POST', '/swaps/quotes'],
    ['swaps', 'GET', '/swaps'],
    ['payouts', 'POST', '/payouts/quote'],
    ['allocations', 'GET', '/allocations/al-1'],
    ['fee sponsors', 'PUT', '/fee-sponsors/fs-1/activate'],
    ['canton', 'GET', '/networks/Canton/validators'],
    ['canton', 'POST', '/wallets/wa-1/canton/ledger-api'],
    ['canton', 'GET', '/wallets/wa-1/offers'],
    ['agreements', 'GET', '/agreements/latest-unaccepted'],
    ['agreements', 'PUT', '/agreements/ag-1/accept'],
    ['key-stores', 'GET', '/key-stores'],
    ['key-stores', 'POST', '/key-stores/ks-1/genesis/output'],
  ]

  it('covers every out-of-scope domain', () => {
    assert.deepEqual([...new Set(cases.map(([d]) => d))].sort(), [...outOfScopeDomains].sort())
  })

  for (const [domain, method, url] of cases) {
    it(`${method} ${url} → 501 (${domain})`, async () => {
      const res = await t.app.inject({
        method,
        url,
        headers: json,
        payload: method === 'GET' ? undefined : '{}',
      })
      const error = assertErrorBody(res, 501)
      assert.equal(error.message, `The ${domain} domain of the Dfns API is not implemented by walletd.`)
      assert.deepEqual(error.details, { domain, method, path: url })
    })
  }

  it('a malformed body to an out-of-scope domain still names the domain', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/swaps/quotes', headers: json, payload: '{bad' })
    assert.equal(assertErrorBody(res, 501).details.domain, 'swaps')
  })

  it('GET /signers is not out of scope (wallet import needs it)', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/signers' })
    assert.notEqual(res.statusCode, 501)
  })
})

describe('requests no client sends on purpose', () => {
  it('a URL with bad percent-encoding is a 400 in the contract (inject)', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/wallets/%E0%A4%A' })
    const error = assertErrorBody(res, 400)
    assert.equal(error.message, 'Request URL is malformed: it has an invalid percent-encoding.')
    assert.deepEqual(error.details, { path: '/wallets/%E0%A4%A' })
  })

  it('a URL with bad percent-encoding is a 400 in the contract (socket)', async () => {
    const res = await rawRequest(port, 'GET /healthz/%zz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
    assertErrorBody(res, 400)
  })

  it('oversized headers are a 431 in the contract, and recorded', async () => {
    const res = await rawRequest(
      port,
      `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\nConnection: close\r\n\r\n`,
    )
    const error = assertErrorBody(res, 431)
    assert.equal(error.message, 'Request headers are larger than this server accepts.')
    await t.app.walletd.errorRecorder.flush()
    const row = await findRecordedError(t.database.db, error.id)
    assert.equal(row?.status, 431)
    assert.match(row?.cause ?? '', /HPE_HEADER_OVERFLOW/)
  })

  it('an oversized URL is a 431 in the contract', async () => {
    const res = await rawRequest(
      port,
      `GET /${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
    )
    assertErrorBody(res, 431)
  })

  it('bytes that are not HTTP get a 400 in the contract', async () => {
    const res = await rawRequest(port, 'HELLO THERE\r\n\r\n')
    const error = assertErrorBody(res, 400)
    assert.equal(error.message, 'Request is not valid HTTP.')
  })

  it('a query string with bad percent-encoding is not an error (values are opaque to routing)', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/healthz?x=%zz' })
    assert.equal(res.statusCode, 200)
  })
})

describe('operational routes', () => {
  it('/healthz, /readyz and /openapi.json answer JSON', async () => {
    for (const url of ['/healthz', '/readyz', '/openapi.json']) {
      const res = await t.app.inject({ method: 'GET', url })
      assert.equal(res.statusCode, 200, url)
      assert.match(String(res.headers['content-type']), /^application\/json/, url)
      JSON.parse(res.body)
    }
    assert.deepEqual((await t.app.inject({ url: '/healthz' })).json(), { status: 'ok' })
    assert.deepEqual((await t.app.inject({ url: '/readyz' })).json(), { status: 'ready' })
    assert.equal((await t.app.inject({ url: '/openapi.json' })).json().openapi, '3.0.3')
  })

  it('/metrics is the one non-JSON response: Prometheus text, counting requests by route pattern', async () => {
    await t.app.inject({ url: '/healthz' })
    await t.app.inject({ url: '/no-such-route-for-metrics' })
    const res = await t.app.inject({ url: '/metrics' })
    assert.equal(res.statusCode, 200)
    assert.match(String(res.headers['content-type']), /^text\/plain/)
    assert.match(res.body, /walletd_http_requests_total\{method="GET",route="\/healthz",status="200"\} \d+/)
    assert.match(res.body, /walletd_http_requests_total\{method="GET",route="unmatched",status="404"\} \d+/)
    assert.doesNotMatch(res.body, /no-such-route-for-metrics/)
  })
})
