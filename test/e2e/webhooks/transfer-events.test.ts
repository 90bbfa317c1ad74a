import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { parseEther } from 'viem'
import { type AnvilProcess, startAnvil } from '../../../src/chains/dev-chain/anvil.ts'
import { createEvmRpc, type EvmRpc } from '../../../src/chains/evm/rpc.ts'
import { testDialect } from '../../helpers/database.ts'
import { startWalletd, type Walletd } from '../../helpers/sdk.ts'
import { startReceiver, type WebhookReceiver } from '../../helpers/webhook-receiver.ts'

/** `wallet.transfer.*` arrive as a transfer moves on a real chain (Anvil), signed, with `{transferRequest}`. */
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
  const arrival = (kind: string, transferId: string) =>
    receiver.waitFor((r) => r.body.kind === kind && r.body.data.transferRequest?.id === transferId)

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
})
