import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { WebhookEventView } from '../../../src/domains/webhooks/schemas.ts'
import { testDialect } from '../../helpers/database.ts'
import { failsWith } from '../../helpers/fails-with.ts'
import { rootClientFrom, startWalletd, type Walletd } from '../../helpers/sdk.ts'
import { startReceiver, type WebhookReceiver } from '../../helpers/webhook-receiver.ts'

/** Webhook management and delivery through the official SDK, with a real receiver on loopback. */
describe(`webhooks (${testDialect})`, () => {
  let w: Walletd
  let receiver: WebhookReceiver
  before(async () => {
    // The test drives the job queue itself (runDueJobs), so every assertion follows a finished run.
    w = await startWalletd({ deps: { runJobs: false } })
    receiver = await startReceiver()
  })
  after(async () => {
    await receiver.close()
    await w.close()
  })
  const deliver = () => w.app.walletd.jobs.runDueJobs()
  // The SDK's event type lacks the event-log fields the Dfns docs add; walletd returns them.
  const eventsOf = async (webhookId: string) =>
    (await w.root.webhooks.listWebhookEvents({ webhookId })).items as unknown as WebhookEventView[]

  it('creates a webhook with its secret shown once, then reads, lists, updates and deletes it', async () => {
    const created = await w.root.webhooks.createWebhook({
      body: { url: 'https://example.com/hook', events: ['wallet.created', '*'], description: 'd' },
    })
    assert.match(created.id, /^wh-[0-9a-z]{5}-[0-9a-z]{5}-[0-9a-z]{16}$/)
    assert.match(created.secret, /^whs-[0-9A-Za-z]{32}$/)
    assert.deepEqual(
      { url: created.url, events: created.events, status: created.status, description: created.description },
      {
        url: 'https://example.com/hook',
        events: ['wallet.created', '*'],
        status: 'Enabled',
        description: 'd',
      },
    )
    const got = await w.root.webhooks.getWebhook({ webhookId: created.id })
    assert.equal('secret' in got, false, 'the secret is shown only by create')
    const { secret: _secret, ...withoutSecret } = created
    assert.deepEqual(got, withoutSecret)
    const listed = await w.root.webhooks.listWebhooks()
    assert.ok(listed.items.some((h) => h.id === created.id && !('secret' in h)))

    w.clock.advance(1000)
    const updated = await w.root.webhooks.updateWebhook({
      webhookId: created.id,
      body: { status: 'Disabled', events: ['key.created'], url: 'http://example.org/x' },
    })
    assert.deepEqual(
      { status: updated.status, events: updated.events, url: updated.url, description: updated.description },
      { status: 'Disabled', events: ['key.created'], url: 'http://example.org/x', description: 'd' },
    )
    assert.notEqual(updated.dateUpdated, created.dateUpdated)
    assert.deepEqual(await w.root.webhooks.deleteWebhook({ webhookId: created.id }), { deleted: true })
    await assert.rejects(w.root.webhooks.getWebhook({ webhookId: created.id }), failsWith(404))
    await assert.rejects(w.root.webhooks.deleteWebhook({ webhookId: created.id }), failsWith(404))
  })

  it('refuses stale and unknown event kinds, an empty list, and non-http URLs with a 400 naming the field', async () => {
    await assert.rejects(
      w.root.webhooks.createWebhook({
        body: { url: 'https://example.com/h', events: ['wallet.transfer.initiated' as never] },
      }),
      failsWith(400, (b) => assert.match(String(b.details.field), /^events\.0$/)),
    )
    await assert.rejects(
      w.root.webhooks.createWebhook({ body: { url: 'https://example.com/h', events: [] } }),
      failsWith(400, (b) => assert.match(String(b.details.field), /events/)),
    )
    for (const url of ['ftp://example.com/h', 'not a url', 'file:///etc/passwd']) {
      await assert.rejects(
        w.root.webhooks.createWebhook({ body: { url, events: ['*'] } }),
        failsWith(400, 'url'),
      )
    }
    const hook = await w.root.webhooks.createWebhook({
      body: { url: 'https://example.com/h', events: ['*'] },
    })
    await assert.rejects(
      w.root.webhooks.updateWebhook({ webhookId: hook.id, body: { url: 'gopher://example.com' } }),
      failsWith(400, 'url'),
    )
    await assert.rejects(
      w.root.webhooks.listWebhookEvents({
        webhookId: hook.id,
        query: { kind: 'wallet.transfer.executed' as never },
      }),
      failsWith(400),
    )
    await w.root.webhooks.deleteWebhook({ webhookId: hook.id })
  })

  it('answers 402 past the plan limit, and accepts again once the operator raises it', async () => {
    const org = await w.bootstrapOrg()
    const client = rootClientFrom(w.baseUrl, org)
    for (let i = 0; i < 5; i++) {
      await client.webhooks.createWebhook({ body: { url: `https://example.com/${i}`, events: ['*'] } })
    }
    await assert.rejects(
      client.webhooks.createWebhook({ body: { url: 'https://example.com/6', events: ['*'] } }),
      failsWith(402, (b) => assert.deepEqual(b.details, { feature: 'webhooks', limit: 5, count: 5 })),
    )
    await w.app.walletd.plans.change(org.orgId, { webhooks: 6 })
    await client.webhooks.createWebhook({ body: { url: 'https://example.com/6', events: ['*'] } })
  })

  it("answers 404 for another org's webhook and its events", async () => {
    const other = rootClientFrom(w.baseUrl, await w.bootstrapOrg())
    const hook = await other.webhooks.createWebhook({ body: { url: 'https://example.com/o', events: ['*'] } })
    await assert.rejects(w.root.webhooks.getWebhook({ webhookId: hook.id }), failsWith(404))
    await assert.rejects(w.root.webhooks.listWebhookEvents({ webhookId: hook.id }), failsWith(404))
    await assert.rejects(w.root.webhooks.pingWebhook({ webhookId: hook.id }), failsWith(404))
    await assert.rejects(
      w.root.webhooks.updateWebhook({ webhookId: hook.id, body: { status: 'Disabled' } }),
      failsWith(404),
    )
    await assert.rejects(w.root.webhooks.deleteWebhook({ webhookId: hook.id }), failsWith(404))
    assert.equal((await other.webhooks.getWebhook({ webhookId: hook.id })).status, 'Enabled')
  })

  it('pings with a signed test event that is not stored, and reports what the receiver answered', async () => {
    const hook = await w.root.webhooks.createWebhook({ body: { url: receiver.url, events: ['key.created'] } })
    receiver.secret = hook.secret
    assert.deepEqual(await w.root.webhooks.pingWebhook({ webhookId: hook.id }), { status: '200' })
    const ping = receiver.received.at(-1)!
    assert.equal(ping.signatureValid, true)
    assert.equal(ping.body.kind, 'key.created')
    assert.deepEqual(ping.body.data, { ping: true, webhookId: hook.id })
    receiver.statuses.push(503)
    const failed = await w.root.webhooks.pingWebhook({ webhookId: hook.id })
    assert.equal(failed.status, '503')
    assert.match(failed.error ?? '', /failing on purpose/)
    assert.deepEqual((await w.root.webhooks.listWebhookEvents({ webhookId: hook.id })).items, [])
    await w.root.webhooks.deleteWebhook({ webhookId: hook.id })
  })

  it('delivers a signed event once its cause commits, and retries a 500 until a 200, chaining attempts', async () => {
    const hook = await w.root.webhooks.createWebhook({
      body: { url: receiver.url, events: ['wallet.created'] },
    })
    receiver.secret = hook.secret
    receiver.statuses.push(500)
    const before = receiver.received.length
    const wallet = await w.root.wallets.createWallet({ body: { network: 'EthereumSepolia', name: 'hooked' } })
    await deliver()
    const first = receiver.received.at(-1)!
    assert.equal(receiver.received.length, before + 1)
    assert.equal(first.answeredStatus, 500)
    assert.equal(first.signatureValid, true)
    assert.equal(first.headers['content-type'], 'application/json')
    assert.equal(first.body.kind, 'wallet.created')
    assert.deepEqual(first.body.data, { wallet: await w.root.wallets.getWallet({ walletId: wallet.id }) })
    assert.equal(first.body.deliveryAttempt, 1)
    assert.equal(first.body.retryOf, undefined)
    assert.equal(first.body.timestampSent, Math.floor(w.clock.now().getTime() / 1000))
    assert.deepEqual(Object.keys(first.body), [
      'id',
      'kind',
      'date',
      'data',
      'timestampSent',
      'deliveryAttempt',
    ])

    // Not due yet: nothing is sent before the first retry time.
    w.clock.advance(30_000)
    await deliver()
    assert.equal(receiver.received.length, before + 1)

    w.clock.advance(31_000)
    await deliver()
    const second = receiver.received.at(-1)!
    assert.equal(receiver.received.length, before + 2)
    assert.equal(second.answeredStatus, 200)
    assert.equal(second.signatureValid, true)
    assert.equal(second.body.deliveryAttempt, 2)
    assert.equal(second.body.retryOf, first.body.id)
    assert.notEqual(second.body.id, first.body.id)
    assert.equal(second.body.date, first.body.date)
    assert.deepEqual(second.body.data, first.body.data)
    assert.equal(
      second.body.timestampSent,
      Math.floor(w.clock.now().getTime() / 1000),
      'refreshed per attempt',
    )

    const events = await eventsOf(hook.id)
    assert.deepEqual(
      events.map((e) => [e.id, e.status, e.deliveryFailed, e.deliveryAttempt, e.retryOf]),
      [
        [second.body.id, '200', false, 2, first.body.id],
        [first.body.id, '500', true, 1, undefined],
      ],
    )
    const stored = (await w.root.webhooks.getWebhookEvent({
      webhookId: hook.id,
      webhookEventId: first.body.id,
    })) as WebhookEventView
    assert.equal(stored.nextAttemptDate, new Date(Date.parse(first.body.date) + 60_000).toISOString())
    assert.equal(stored.timestampSent, first.body.timestampSent)
    assert.match(stored.error ?? '', /failing on purpose/)
    const failedOnly = await w.root.webhooks.listWebhookEvents({
      webhookId: hook.id,
      query: { deliveryFailed: 'true' },
    })
    assert.deepEqual(
      failedOnly.items.map((e) => e.id),
      [first.body.id],
    )
    const byKind = await w.root.webhooks.listWebhookEvents({
      webhookId: hook.id,
      query: { kind: 'key.created' },
    })
    assert.deepEqual(byKind.items, [])
    await w.root.webhooks.deleteWebhook({ webhookId: hook.id })
  })

  it('gives up after 5 attempts over about a day; the last attempt has no next date', async () => {
    const hook = await w.root.webhooks.createWebhook({ body: { url: receiver.url, events: ['key.created'] } })
    receiver.secret = hook.secret
    receiver.statuses.push(500, 500, 500, 500, 500)
    await w.root.keys.createKey({ body: { scheme: 'ECDSA', curve: 'secp256k1' } })
    await deliver()
    for (const step of [60_000, 11 * 60_000, 108 * 60_000, 22 * 3_600_000]) {
      w.clock.advance(step + 1000)
      await deliver()
    }
    const events = await eventsOf(hook.id)
    assert.deepEqual(
      events.map((e) => [e.deliveryAttempt, e.status]),
      [
        [5, '500'],
        [4, '500'],
        [3, '500'],
        [2, '500'],
        [1, '500'],
      ],
    )
    assert.equal(events[0]!.nextAttemptDate, undefined)
    assert.equal(events[0]!.deliveryFailed, true)
    for (let i = 0; i < 4; i++) assert.equal(events[i]!.retryOf, events[i + 1]!.id)
    w.clock.advance(7 * 86_400_000)
    await deliver()
    assert.equal((await w.root.webhooks.listWebhookEvents({ webhookId: hook.id })).items.length, 5)
    await w.root.webhooks.deleteWebhook({ webhookId: hook.id })
  })

  it('cancels retries of a disabled webhook, continues them when it is enabled again in time', async () => {
    const hook = await w.root.webhooks.createWebhook({ body: { url: receiver.url, events: ['key.created'] } })
    receiver.secret = hook.secret
    receiver.statuses.push(500, 500)
    await w.root.keys.createKey({ body: { scheme: 'ECDSA', curve: 'secp256k1' } })
    await deliver()
    // Re-enabled before the retry falls due: the retry is made.
    await w.root.webhooks.updateWebhook({ webhookId: hook.id, body: { status: 'Disabled' } })
    await w.root.webhooks.updateWebhook({ webhookId: hook.id, body: { status: 'Enabled' } })
    w.clock.advance(61_000)
    await deliver()
    // Disabled when the next retry falls due: cancelled, and nothing after it.
    await w.root.webhooks.updateWebhook({ webhookId: hook.id, body: { status: 'Disabled' } })
    const sent = receiver.received.length
    w.clock.advance(12 * 60_000)
    await deliver()
    w.clock.advance(2 * 86_400_000)
    await deliver()
    assert.equal(receiver.received.length, sent)
    const events = await eventsOf(hook.id)
    assert.deepEqual(
      events.map((e) => [e.deliveryAttempt, e.status, e.deliveryFailed]),
      [
        [3, 'Cancelled', true],
        [2, '500', true],
        [1, '500', true],
      ],
    )
    assert.equal(events[0]!.nextAttemptDate, undefined, 'nothing after a cancelled attempt')
    await w.root.webhooks.deleteWebhook({ webhookId: hook.id })
  })

  it('sends nothing for a change that rolled back, nor to disabled or unsubscribed webhooks', async () => {
    const subscribed = await w.root.webhooks.createWebhook({
      body: { url: receiver.url, events: ['wallet.created'] },
    })
    const disabled = await w.root.webhooks.createWebhook({
      body: { url: receiver.url, events: ['*'], status: 'Disabled' },
    })
    const other = await w.root.webhooks.createWebhook({
      body: { url: receiver.url, events: ['key.deleted'] },
    })
    const rolledBack = new Error('the change failed after emitting')
    await assert.rejects(
      w.database.db.transaction().execute(async (trx) => {
        await w.app.walletd.webhooks.emitEvent(
          {
            orgId: w.orgId,
            kind: 'wallet.created',
            data: { x: 1 },
          },
          trx,
        )
        throw rolledBack
      }),
      (err) => err === rolledBack,
    )
    const sent = receiver.received.length
    await deliver()
    assert.equal(receiver.received.length, sent)
    for (const hook of [subscribed, disabled, other]) {
      assert.deepEqual((await w.root.webhooks.listWebhookEvents({ webhookId: hook.id })).items, [])
    }
    // The same emit committed reaches the subscribed webhook only.
    await w.database.db
      .transaction()
      .execute((trx) =>
        w.app.walletd.webhooks.emitEvent({ orgId: w.orgId, kind: 'wallet.created', data: { x: 1 } }, trx),
      )
    assert.equal((await w.root.webhooks.listWebhookEvents({ webhookId: subscribed.id })).items.length, 1)
    assert.equal((await w.root.webhooks.listWebhookEvents({ webhookId: disabled.id })).items.length, 0)
    assert.equal((await w.root.webhooks.listWebhookEvents({ webhookId: other.id })).items.length, 0)
    for (const hook of [subscribed, disabled, other])
      await w.root.webhooks.deleteWebhook({ webhookId: hook.id })
  })

  it('exports deliveries by outcome, the queue depth and the oldest undelivered age as metrics', async () => {
    const metric = async (name: string) => {
      const text = await (await fetch(`${w.baseUrl}/metrics`)).text()
      const line = text.split('\n').find((l) => l.startsWith(name))
      return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1))
    }
    // Earlier tests leave retries scheduled for later: the depth is counted from here.
    await deliver()
    const depth = (await metric('walletd_webhook_queue_depth')) ?? Number.NaN
    const delivered = (await metric('walletd_webhook_deliveries_total{outcome="delivered"}')) ?? 0
    const hook = await w.root.webhooks.createWebhook({ body: { url: receiver.url, events: ['key.created'] } })
    receiver.secret = hook.secret
    await w.root.keys.createKey({ body: { scheme: 'EdDSA', curve: 'ed25519' } })
    assert.equal(await metric('walletd_webhook_queue_depth'), depth + 1)
    w.clock.advance(5000)
    assert.ok(((await metric('walletd_webhook_oldest_undelivered_seconds')) ?? 0) >= 5)
    await deliver()
    assert.equal(await metric('walletd_webhook_queue_depth'), depth)
    assert.equal(await metric('walletd_webhook_deliveries_total{outcome="delivered"}'), delivered + 1)
    await w.root.webhooks.deleteWebhook({ webhookId: hook.id })
  })
})
