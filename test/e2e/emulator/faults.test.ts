import assert from 'node:assert/strict'
import { after, afterEach, before, describe, it } from 'node:test'
import { DfnsError, PolicyPendingError } from '@dfns/sdk'
import { testDialect } from '../../helpers/database.ts'
import { assertErrorBody, rawRequest, startWalletd, type Walletd } from '../../helpers/sdk.ts'

/** `POST /emulator/faults`: Dfns routes answer what the operator asks, as Dfns would answer it. */
describe(`the emulator's faults (${testDialect})`, () => {
  let w: Walletd
  const emulator = (method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown) =>
    rawRequest(w.baseUrl, { method, path: `/emulator${path}`, token: w.operatorToken, body })
  const addFault = async (body: Record<string, unknown>) => {
    const res = await emulator('POST', '/faults', body)
    assert.equal(res.status, 201, JSON.stringify(res.body))
    return res.body as { id: string; seed?: number; fired: number; matched: number }
  }
  const raised = async (call: Promise<unknown>): Promise<DfnsError> => {
    try {
      await call
    } catch (err) {
      if (err instanceof DfnsError) return err
      throw err
    }
    throw new Error('expected the SDK to raise')
  }
  before(async () => {
    w = await startWalletd()
  })
  afterEach(async () => {
    assert.equal((await emulator('DELETE', '/faults')).status, 204)
  })
  after(() => w.close())

  it('a probability of 0.5 with a fixed seed gives the same status sequence on every run', async () => {
    const run = async () => {
      await addFault({ route: '/wallets', method: 'GET', status: 503, probability: 0.5, seed: 20260101 })
      const statuses: number[] = []
      for (let i = 0; i < 24; i++) {
        statuses.push((await raised(w.root.wallets.listWallets()).catch(() => undefined))?.httpStatus ?? 200)
      }
      assert.equal((await emulator('DELETE', '/faults')).status, 204)
      return statuses
    }
    const first = await run()
    const second = await run()
    assert.deepEqual(second, first)
    assert.ok(first.includes(200) && first.includes(503), `both outcomes occur: ${first.join(',')}`)
    // Another seed gives another sequence (24 draws at 0.5: equal by chance once in 16 million).
    await addFault({ route: '/wallets', method: 'GET', status: 503, probability: 0.5, seed: 7 })
    const other: number[] = []
    for (let i = 0; i < 24; i++) {
      other.push((await raised(w.root.wallets.listWallets()).catch(() => undefined))?.httpStatus ?? 200)
    }
    assert.notDeepEqual(other, first)
  })

  it('the SDK raises DfnsError with the status; 429 carries Retry-After; bodies keep the error contract', async () => {
    for (const status of [400, 401, 403, 404, 409, 422, 429, 500, 503]) {
      const fault = await addFault({ route: '/wallets', method: 'GET', status, times: 1 })
      const err = await raised(w.root.wallets.listWallets())
      assert.equal(err.httpStatus, status)
      assert.ok(!(err instanceof PolicyPendingError))
      await emulator('DELETE', `/faults/${fault.id}`)
    }
    await addFault({ route: '/wallets', status: 429, retryAfterSeconds: 7, times: 1 })
    const limited = await rawRequest(w.baseUrl, {
      method: 'GET',
      path: '/wallets',
      token: w.bootstrap.serviceAccount.accessToken,
    })
    assertErrorBody(limited, 429)
    assert.equal(limited.headers.get('retry-after'), '7')
    assert.equal(limited.body.error.details.retryAfterSeconds, 7)
    // Spent after one: the next request is served.
    assert.equal((await w.root.wallets.listWallets()).items.length >= 0, true)
  })

  it('a forced 202 raises PolicyPendingError and carries nothing out', async () => {
    const before = (await w.root.wallets.listWallets()).items.length
    await addFault({ route: '/wallets', method: 'POST', policyPending: true })
    const err = await raised(w.root.wallets.createWallet({ body: { network: 'EthereumSepolia' } }))
    assert.ok(err instanceof PolicyPendingError, `got ${err.httpStatus}`)
    assert.equal(err.httpStatus, 202)
    assert.equal((err.context as { status: string }).status, 'Pending')
    assert.equal((await w.root.wallets.listWallets()).items.length, before)
  })

  it('matches route patterns and paths, methods and orgs; times and counts are listed', async () => {
    const wallet = await w.root.wallets.createWallet({ body: { network: 'EthereumSepolia' } })
    const byPattern = await addFault({ route: '/wallets/:walletId', method: 'GET', status: 404, times: 2 })
    await assert.rejects(
      w.root.wallets.getWallet({ walletId: wallet.id }),
      (e: DfnsError) => e.httpStatus === 404,
    )
    // A path with `*` for a segment; a POST to a sibling route is not matched.
    await addFault({ route: `/wallets/*/tags`, method: 'PUT', status: 409 })
    await assert.rejects(
      w.root.wallets.tagWallet({ walletId: wallet.id, body: { tags: ['x'] } }),
      (e: DfnsError) => e.httpStatus === 409,
    )
    await assert.rejects(
      w.root.wallets.getWallet({ walletId: wallet.id }),
      (e: DfnsError) => e.httpStatus === 404,
    )
    assert.equal((await w.root.wallets.getWallet({ walletId: wallet.id })).id, wallet.id, 'spent after 2')
    const listed = (await emulator('GET', '/faults')).body.items as { id: string; fired: number }[]
    assert.equal(listed.find((f) => f.id === byPattern.id)?.fired, 2)

    // Another org's fault leaves this org alone.
    const other = await w.bootstrapOrg()
    await addFault({ route: '*', orgId: other.orgId, status: 500 })
    assert.equal((await w.root.wallets.getWallet({ walletId: wallet.id })).id, wallet.id)
    const theirs = await rawRequest(w.baseUrl, {
      method: 'GET',
      path: '/wallets',
      token: other.serviceAccount.accessToken,
    })
    assertErrorBody(theirs, 500)
  })

  it('a delay holds the request, then serves it', async () => {
    const fault = await addFault({ route: '/wallets', method: 'GET', delayMs: 50 })
    assert.ok(Array.isArray((await w.root.wallets.listWallets()).items))
    const listed = (await emulator('GET', '/faults')).body.items as { id: string; fired: number }[]
    assert.equal(listed.find((f) => f.id === fault.id)?.fired, 1)
  })

  it('a probability without a seed reports the seed it drew, so the run can be repeated', async () => {
    const fault = await addFault({ route: '/wallets', status: 500, probability: 0.25 })
    assert.equal(typeof fault.seed, 'number')
  })

  it('refuses bad faults naming the field (400); removing an unknown fault is a 404', async () => {
    for (const [body, field] of [
      [{ route: '/wallets' }, 'status'],
      [{ route: '/wallets', status: 302 }, 'status'],
      [{ route: '/wallets', status: 501 }, 'status'],
      [{ route: '/wallets', status: 500, policyPending: true }, 'policyPending'],
      [{ route: '/wallets', status: 500, retryAfterSeconds: 3 }, 'retryAfterSeconds'],
      [{ route: '/wallets', status: 500, seed: 3 }, 'seed'],
      [{ route: '/wallets', status: 500, probability: 1.5 }, 'probability'],
      [{ route: 'wallets', status: 500 }, 'route'],
      [{ route: '/wallets', method: 'TRACE', status: 500 }, 'method'],
      [{ route: '/wallets', status: 500, delayMs: 3_600_000 }, 'delayMs'],
      [{ route: '/wallets', status: 500, chaos: true }, 'chaos'],
    ] as const) {
      const res = await emulator('POST', '/faults', body)
      assertErrorBody(res, 400)
      assert.equal(res.body.error.details.field, field, JSON.stringify(res.body))
    }
    assertErrorBody(await emulator('DELETE', '/faults/fault-999999'), 404)
    assert.deepEqual((await emulator('GET', '/faults')).body.items, [])
  })

  it('never touches the emulator routes or the operational ones', async () => {
    await addFault({ route: '*', status: 503 })
    assert.equal((await rawRequest(w.baseUrl, { method: 'GET', path: '/readyz' })).status, 200)
    assert.equal((await emulator('GET', '/clock')).status, 200)
  })
})
