import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { createPriceSource, parsePriceTable, toUsd } from '../../../src/domains/policies/prices.ts'

describe('price source', () => {
  it('parses the static table from its env form', () => {
    assert.deepEqual(parsePriceTable(' eth=3000, BTC=60000.5 ,'), { ETH: 3000, BTC: 60000.5 })
    assert.deepEqual(parsePriceTable(undefined), {})
    assert.throws(() => parsePriceTable('ETH'), /SYMBOL=/)
    assert.throws(() => parsePriceTable('ETH=-1'), /SYMBOL=/)
  })

  it('converts smallest units to USD', () => {
    assert.equal(toUsd({ symbol: 'ETH', decimals: 18, amount: '1500000000000000000' }, 2000), 3000)
    assert.equal(toUsd({ symbol: 'USDC', decimals: 6, amount: '1' }, 1), 0.000001)
    assert.equal(toUsd({ symbol: 'X', decimals: 0, amount: '-5' }, 1), undefined)
    assert.equal(toUsd({ symbol: 'X', decimals: 0, amount: '1.5' }, 1), undefined)
  })

  it('uses the static table, case-insensitively, and knows nothing else without a URL', async () => {
    const prices = createPriceSource({ table: { eth: 2000 } })
    assert.equal(await prices.usdValue({ symbol: 'ETH', decimals: 18, amount: '2000000000000000000' }), 4000)
    assert.equal(await prices.usdValue({ symbol: 'BTC', decimals: 8, amount: '1' }), undefined)
  })

  describe('with a price URL', () => {
    let server: Server
    let url: string
    let hits = 0
    before(async () => {
      server = createServer((req, res) => {
        hits++
        const symbol = req.url?.split('/').pop()
        if (symbol === 'BTC') return res.end(JSON.stringify({ usd: 50000 }))
        // Never answers: only the client's timeout ends the wait.
        if (symbol === 'SLOW') return
        if (symbol === 'BAD') return res.end('not json')
        res.statusCode = 404
        res.end('{}')
      })
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/price/{symbol}`
    })
    after(() => {
      server.closeAllConnections()
      server.close()
    })

    it('fetches missing symbols, caches them, and fails closed on timeout, errors and junk', async () => {
      let now = 0
      // A generous timeout for the endpoints that answer (the suite may run on a loaded machine)…
      const prices = createPriceSource({
        table: { ETH: 1 },
        url,
        timeoutMs: 30_000,
        cacheMs: 1000,
        now: () => now,
      })
      // …and a short one for the endpoint that never answers.
      const impatient = createPriceSource({ url, timeoutMs: 50 })
      assert.equal(await prices.usdValue({ symbol: 'btc', decimals: 8, amount: '100000000' }), 50000)
      const before = hits
      assert.equal(await prices.usdValue({ symbol: 'BTC', decimals: 8, amount: '200000000' }), 100000)
      assert.equal(hits, before, 'served from cache')
      now = 2000
      await prices.usdValue({ symbol: 'BTC', decimals: 8, amount: '1' })
      assert.equal(hits, before + 1, 'refetched after the cache time')
      assert.equal(await impatient.usdValue({ symbol: 'SLOW', decimals: 0, amount: '1' }), undefined)
      assert.equal(await prices.usdValue({ symbol: 'BAD', decimals: 0, amount: '1' }), undefined)
      assert.equal(await prices.usdValue({ symbol: 'NOPE', decimals: 0, amount: '1' }), undefined)
      assert.equal(await prices.usdValue({ symbol: 'ETH', decimals: 0, amount: '3' }), 3, 'table first')
    })
  })
})
