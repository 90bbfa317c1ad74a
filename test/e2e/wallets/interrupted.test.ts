import assert from 'node:assert/strict'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { keccak256, parseEther, toHex } from 'viem'
import { EXECUTION_LEASE_MARGIN_MS } from '../../../src/domains/wallets/signatures/execution.ts'
import { testDialect } from '../../helpers/database.ts'
import { unsignedSepoliaTransfer } from '../../helpers/evm.ts'
import { countLimitPolicy } from '../../helpers/policies.ts'
import { startWalletd, type Walletd } from '../../helpers/sdk.ts'

const PRICE_TIMEOUT_MS = 60_000

/**
 * A node that outlives its request's lease loses the request: the sweep ends it `Failed` while the
 * node is still evaluating policies, and whatever the node does afterwards neither signs it nor
 * leaves it counted in the velocity windows. (The crash itself is tested with a real kill -9 in
 * test/e2e/multi-node/kill-9.test.ts; here the node is merely slow, held on a price lookup.)
 */
describe(`a request whose lease ran out is ended by the sweep, whatever its node does later (${testDialect})`, () => {
  let w: Walletd
  const waiting: http.ServerResponse[] = []
  let asked: () => void = () => {}
  const prices = http.createServer((_req, res) => {
    waiting.push(res)
    asked()
  })
  before(async () => {
    await new Promise<void>((resolve) => prices.listen(0, '127.0.0.1', resolve))
    w = await startWalletd({
      config: {
        priceUrl: `http://127.0.0.1:${(prices.address() as AddressInfo).port}/{symbol}`,
        priceTimeoutMs: PRICE_TIMEOUT_MS,
      },
    })
  })
  after(async () => {
    await w.close()
    for (const res of waiting) res.destroy()
    await new Promise((resolve) => prices.close(resolve))
  })

  it('the sweep ends it Failed (interrupted); the late node neither signs it nor counts it', async () => {
    const wallet = await w.root.wallets.createWallet({ body: { network: 'EthereumSepolia' } })
    await w.root.policies.createPolicy({ body: countLimitPolicy(wallet.id, 1) })
    const priceAsked = new Promise<void>((resolve) => {
      asked = resolve
    })
    const slow = w.root.wallets.generateSignature({
      walletId: wallet.id,
      body: {
        kind: 'Transaction',
        transaction: unsignedSepoliaTransfer(parseEther('1')),
      },
    })
    await priceAsked
    const [stored] = (await w.root.wallets.listSignatures({ walletId: wallet.id })).items
    assert.equal(stored?.status, 'Executing')

    w.clock.advance(PRICE_TIMEOUT_MS + EXECUTION_LEASE_MARGIN_MS + 1)
    await w.app.walletd.wallets.signatures.failInterrupted()
    const ended = await w.root.wallets.getSignature({ walletId: wallet.id, signatureId: stored!.id })
    assert.equal(ended.status, 'Failed')
    assert.match(ended.reason ?? '', /interrupted/)

    // The price arrives at last: the node evaluates (and records) the request, signs, and finds it ended.
    waiting.shift()!.end(JSON.stringify({ usd: 2000 }))
    const answer = await slow
    assert.equal(answer.status, 'Failed')
    assert.equal(answer.signature, undefined)
    assert.deepEqual(
      await w.root.wallets.getSignature({ walletId: wallet.id, signatureId: stored!.id }),
      ended,
    )

    // It left the windows: the one request allowed this hour is still available.
    const hash = (label: string) => ({ kind: 'Hash' as const, hash: keccak256(toHex(label)) })
    const next = await w.root.wallets.generateSignature({ walletId: wallet.id, body: hash('next') })
    assert.equal(next.status, 'Signed', next.reason)
    const over = await w.root.wallets.generateSignature({ walletId: wallet.id, body: hash('over') })
    assert.equal(over.status, 'Rejected')
  })
})
