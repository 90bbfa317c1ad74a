import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { parseEther } from 'viem'
import { type AnvilProcess, startAnvil } from '../../../src/chains/dev-chain/anvil.ts'
import { createEvmRpc, type EvmRpc } from '../../../src/chains/evm/rpc.ts'
import { testDialect } from '../../helpers/database.ts'
import { startWalletd, type Walletd } from '../../helpers/sdk.ts'
import { startReceiver, type WebhookReceiver } from '../../helpers/webhook-receiver.ts'

/**
 * `wallet.transfer.*` and `wallet.transaction.*` arrive as a transfer or a transaction moves on a
 * real chain (Anvil), signed, with `{transferRequest}` or `{transactionRequest}`.
 */
describe(`webhook events of transfers (${testDialect})`, () => {
  let anvil: AnvilProcess
  let rpc: EvmRpc
  let w: Walletd
  let receiver: WebhookReceiver
  before(async () => {
    anvil = await startAnvil({ chainId: 11155111 })
    rpc = createEvmRpc({ urls: async () => [anvil.rpcUrl] })
    // The app's own job runner moves transfers and deliveries; the test waits on the receiver.
    w = await startWalletd({
      config: { rpcUrls: `EthereumSepolia=${anvil.rpcUrl}`, prices: 'ETH=2000', devChain: 'false' },
    })
    receiver = await startReceiver()
    const hook = await w.root.webhooks.createWebhook({
      body: {
        url: receiver.url,
        events: [
          'wallet.transfer.requested',
          'wallet.transfer.broadcasted',
          'wallet.transfer.confirmed',
          'wallet.transfer.rejected',
          'wallet.transfer.failed',
          'wallet.transaction.requested',
          'wallet.transaction.rejected',
        ],
      },
    })
    receiver.secret = hook.secret
  })
  after(async () => {
    await receiver?.close()
    await w?.close()
    await anvil?.stop()
  })

  const fundedWallet = async () => {
    const wallet = await w.root.wallets.createWallet({ body: { network: 'EthereumSepolia' } })
    await rpc.request('anvil_setBalance', [wallet.address, `0x${parseEther('1').toString(16)}`])
    return wallet
  }
  /**
   * The first delivery matching `match`. The test clock stands still, so while waiting it is moved
   * on now and then, with what became due run at once: on a loaded machine a receipt not there yet
   * is polled again later on that clock (as chain-fixture's `tick` does), and the wait would
   * otherwise never end. A wait that still gets nothing fails, naming what did arrive.
   */
  const delivered = async (what: string, match: Parameters<WebhookReceiver['waitFor']>[0]) => {
    let done = false
    const found = receiver.waitFor(match).finally(() => {
      done = true
    })
    for (let waited = 0; !done; waited += 200) {
      if (waited >= 120_000) {
        const kinds = receiver.received.map((r) => r.body.kind).join(', ')
        assert.fail(`${what} did not arrive; received: ${kinds}`)
      }
      await new Promise((r) => setTimeout(r, 200))
      if (!done && waited % 1000 === 800) {
        w.clock.advance(1_100)
        await w.app.walletd.jobs.runDueJobs()
      }
    }
    return found
  }
  const arrival = (kind: string, transferId: string) =>
    delivered(
      `${kind} of ${transferId}`,
      (r) => r.body.kind === kind && r.body.data.transferRequest?.id === transferId,
    )

  it('requested, broadcasted and confirmed as a Native transfer moves', async () => {
    const wallet = await fundedWallet()
    const transfer = await w.root.wallets.transferAsset({
      walletId: wallet.id,
      body: { kind: 'Native', to: `0x${'11'.repeat(20)}`, amount: '1000' },
    })
    const requested = await arrival('wallet.transfer.requested', transfer.id)
    const broadcasted = await arrival('wallet.transfer.broadcasted', transfer.id)
    const confirmed = await arrival('wallet.transfer.confirmed', transfer.id)
    for (const r of [requested, broadcasted, confirmed]) assert.equal(r.signatureValid, true)
    assert.equal(broadcasted.body.data.transferRequest.status, 'Broadcasted')
    assert.ok(broadcasted.body.data.transferRequest.txHash)
    assert.deepEqual(confirmed.body.data, {
      transferRequest: await w.root.wallets.getTransfer({ walletId: wallet.id, transferId: transfer.id }),
    })
  })

  it('rejected when a Block policy rejects the transfer', async () => {
    const wallet = await fundedWallet()
    await w.root.policies.createPolicy({
      body: {
        name: `block ${wallet.id}`,
        activityKind: 'Wallets:Sign',
        rule: { kind: 'AlwaysTrigger' },
        action: { kind: 'Block' },
        filters: { walletId: { in: [wallet.id] } },
      },
    })
    const transfer = await w.root.wallets.transferAsset({
      walletId: wallet.id,
      body: { kind: 'Native', to: `0x${'22'.repeat(20)}`, amount: '1000' },
    })
    assert.equal(transfer.status, 'Rejected')
    const rejected = await arrival('wallet.transfer.rejected', transfer.id)
    assert.equal(rejected.signatureValid, true)
    assert.deepEqual(rejected.body.data, { transferRequest: transfer })
    await arrival('wallet.transfer.requested', transfer.id)
  })

  const transactionArrival = (kind: string, transactionId: string) =>
    delivered(
      `${kind} of ${transactionId}`,
      (r) => r.body.kind === kind && r.body.data.transactionRequest?.id === transactionId,
    )

  it('wallet.transaction.rejected when a Block policy rejects the transaction', async () => {
    const wallet = await fundedWallet()
    await w.root.policies.createPolicy({
      body: {
        name: `block transactions ${wallet.id}`,
        activityKind: 'Wallets:Sign',
        rule: { kind: 'AlwaysTrigger' },
        action: { kind: 'Block' },
        filters: { walletId: { in: [wallet.id] } },
      },
    })
    const transaction = await w.root.wallets.broadcastTransaction({
      walletId: wallet.id,
      body: { kind: 'Evm', to: `0x${'44'.repeat(20)}`, value: '1000' } as never,
    })
    assert.equal(transaction.status, 'Rejected')
    const rejected = await transactionArrival('wallet.transaction.rejected', transaction.id)
    assert.equal(rejected.signatureValid, true)
    assert.deepEqual(rejected.body.data, { transactionRequest: transaction })
    // (requested, broadcasted and confirmed: test/e2e/transfers/transaction-events.test.ts.)
    // A transaction is never announced as a transfer.
    await transactionArrival('wallet.transaction.requested', transaction.id)
    assert.equal(
      receiver.received.some((r) => r.body.data.transferRequest?.id === transaction.id),
      false,
    )
  })
})
