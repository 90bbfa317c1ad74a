import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { testDialect } from '../../helpers/database.ts'
import { startReceiver, type WebhookReceiver } from '../../helpers/webhook-receiver.ts'
import { type ChainFixture, chainFixture, newAddress } from './chain-fixture.ts'

/**
 * `wallet.transaction.*` arrive as a transaction request moves on a real chain, signed, with
 * `{transactionRequest}`; a replacement (cancel / speed-up) is a transaction request and emits them too.
 */
describe(`webhook events of transaction requests (${testDialect})`, () => {
  let f: ChainFixture
  let receiver: WebhookReceiver
  before(async () => {
    f = await chainFixture()
    receiver = await startReceiver()
    const hook = await f.w.root.webhooks.createWebhook({
      body: {
        url: receiver.url,
        events: [
          'wallet.transaction.requested',
          'wallet.transaction.broadcasted',
          'wallet.transaction.confirmed',
        ],
      },
    })
    receiver.secret = hook.secret
  })
  after(async () => {
    await receiver?.close()
    await f?.close()
  })

  /** Waits for the event; moves the test clock now and then, so a delivery retried with backoff comes due. */
  const arrival = async (kind: string, id: string) => {
    let arrived = false
    const found = receiver.waitFor((r) => r.body.kind === kind && r.body.data.transactionRequest?.id === id)
    void found.finally(() => {
      arrived = true
    })
    while (!arrived) {
      await new Promise((r) => setTimeout(r, 1000))
      if (!arrived) await f.tick()
    }
    return found
  }

  it('requested, broadcasted and confirmed, each with the transaction request as the API shows it', async () => {
    const wallet = await f.fundedWallet()
    const requested = await f.w.root.wallets.broadcastTransaction({
      walletId: wallet.id,
      body: { kind: 'Evm', to: newAddress(), value: '1000' },
    })
    const events = [
      await arrival('wallet.transaction.requested', requested.id),
      await arrival('wallet.transaction.broadcasted', requested.id),
      await arrival('wallet.transaction.confirmed', requested.id),
    ]
    for (const r of events) assert.equal(r.signatureValid, true)
    assert.equal(events[1]!.body.data.transactionRequest.status, 'Broadcasted')
    assert.equal('transferRequest' in events[2]!.body.data, false)
    assert.deepEqual(events[2]!.body.data, {
      transactionRequest: await f.w.root.wallets.getTransaction({
        walletId: wallet.id,
        transactionId: requested.id,
      }),
    })
  })
})
