import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { testDialect } from '../../helpers/database.ts'
import { type ChainFixture, chainFixture, failsWith, newAddress } from './chain-fixture.ts'

/**
 * Cancel and speed-up by replacement, with the dev chain's mining paused so the original is held
 * in the mempool (as on a busy network) until the test mines a block.
 */
describe(`cancel and speed-up of a broadcast request held in the mempool (${testDialect})`, () => {
  let f: ChainFixture
  before(async () => {
    f = await chainFixture()
  })
  after(() => f?.close())

  const automine = (on: boolean) => f.rpc.request('evm_setAutomine', [on])
  const mine = () => f.rpc.request('evm_mine', [])
  const transfer = (walletId: string, transferId: string) => () =>
    f.w.root.wallets.getTransfer({ walletId, transferId })
  const transaction = (walletId: string, transactionId: string) => () =>
    f.w.root.wallets.getTransaction({ walletId, transactionId })
  const mempool = async () => {
    const content = await f.rpc.request<{ pending: Record<string, Record<string, { hash: string }>> }>(
      'txpool_content',
      [],
    )
    return Object.values(content.pending).flatMap((byNonce) => Object.values(byNonce).map((t) => t.hash))
  }

  it('speed-up: the same transfer with higher fees replaces the original, which ends Failed "replaced by"', async () => {
    const wallet = await f.fundedWallet()
    const to = newAddress()
    await automine(false)
    try {
      const requested = await f.w.root.wallets.transferAsset({
        walletId: wallet.id,
        body: { kind: 'Native', to, amount: '1000', priority: 'Slow' },
      })
      const original = await f.reached(transfer(wallet.id, requested.id), 'Broadcasted')
      assert.equal(original.status, 'Broadcasted')
      assert.deepEqual(await mempool(), [original.txHash])

      const faster = await f.w.root.wallets.speedUpTransfer({ walletId: wallet.id, transferId: requested.id })
      assert.match(faster.id, /^tx-/)
      assert.equal(faster.requestBody.kind, 'SpeedUpTransaction')
      const body = faster.requestBody as { txHash: string; signedTx: string }
      assert.equal(body.txHash, original.txHash)
      assert.match(body.signedTx, /^0x02/)
      const marked = await f.w.root.wallets.getTransfer({ walletId: wallet.id, transferId: requested.id })
      assert.equal(marked.replacementId, faster.id)
      const details = (r: { details?: Record<string, unknown> }) =>
        r.details as { nonce: number; maxFeePerGas: string }
      assert.equal(details(faster).nonce, details(marked).nonce)
      assert.ok(BigInt(details(faster).maxFeePerGas) > (BigInt(details(marked).maxFeePerGas) * 11n) / 10n)

      const sent = await f.reached(transaction(wallet.id, faster.id), 'Broadcasted')
      assert.equal(sent.status, 'Broadcasted', sent.reason)
      assert.deepEqual(await mempool(), [sent.txHash], 'the node replaced the original in its mempool')
      await assert.rejects(
        f.w.root.wallets.speedUpTransfer({ walletId: wallet.id, transferId: requested.id }),
        failsWith(412),
      )
      await mine()
      const done = await f.settled(transaction(wallet.id, faster.id), f.tick)
      assert.equal(done.status, 'Confirmed', done.reason)
      const replaced = await f.settled(transfer(wallet.id, requested.id), f.tick)
      assert.equal(replaced.status, 'Failed')
      assert.equal(replaced.reason, `replaced by ${faster.id}`)
      assert.equal(await f.balanceOf(to), 1000n, 'the value moved once')
      assert.equal(await f.nonceOf(wallet.address!), 1)
    } finally {
      await automine(true)
    }
  })

  it('cancel: a 0-value self-send with the same nonce; nothing reaches the recipient', async () => {
    const wallet = await f.fundedWallet()
    const to = newAddress()
    await automine(false)
    try {
      const requested = await f.w.root.wallets.broadcastTransaction({
        walletId: wallet.id,
        body: { kind: 'Evm', to, value: '5000' },
      })
      await f.reached(transaction(wallet.id, requested.id), 'Broadcasted')
      const cancel = await f.w.root.wallets.cancelTransaction({
        walletId: wallet.id,
        transactionId: requested.id,
      })
      assert.equal(cancel.requestBody.kind, 'CancelTransaction')
      const listed = await f.w.root.wallets.listTransactions({ walletId: wallet.id })
      assert.deepEqual(listed.items.map((t) => t.id).sort(), [cancel.id, requested.id].sort())
      await f.reached(transaction(wallet.id, cancel.id), 'Broadcasted')
      await mine()
      const done = await f.settled(transaction(wallet.id, cancel.id), f.tick)
      assert.equal(done.status, 'Confirmed', done.reason)
      const onChain = await f.rpc.request<{ to: string; value: string }>('eth_getTransactionByHash', [
        done.txHash,
      ])
      assert.equal(onChain.to.toLowerCase(), wallet.address!.toLowerCase())
      assert.equal(BigInt(onChain.value), 0n)
      const cancelled = await f.settled(transaction(wallet.id, requested.id), f.tick)
      assert.equal(cancelled.status, 'Failed')
      assert.equal(cancelled.replacementId, cancel.id)
      assert.equal(await f.balanceOf(to), 0n)
    } finally {
      await automine(true)
    }
  })

  it('only a Broadcasted request can be replaced (412); another org gets a 404', async () => {
    const wallet = await f.fundedWallet()
    const requested = await f.w.root.wallets.transferAsset({
      walletId: wallet.id,
      body: { kind: 'Native', to: newAddress(), amount: '1' },
    })
    await f.settled(transfer(wallet.id, requested.id))
    await assert.rejects(
      f.w.root.wallets.cancelTransfer({ walletId: wallet.id, transferId: requested.id }),
      failsWith(412),
    )
    const other = (await import('../../helpers/sdk.ts')).rootClientFrom(f.w.baseUrl, await f.w.bootstrapOrg())
    await assert.rejects(
      other.wallets.speedUpTransfer({ walletId: wallet.id, transferId: requested.id }),
      failsWith(404),
    )
    await assert.rejects(
      f.w.root.wallets.cancelTransaction({ walletId: wallet.id, transactionId: requested.id }),
      failsWith(404),
    )
  })
})
