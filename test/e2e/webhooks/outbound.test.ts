import assert from 'node:assert/strict'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import type { WebhookEventView } from '../../../src/domains/webhooks/schemas.ts'
import type { Resolver } from '../../../src/net/safe-post.ts'
import { testDialect } from '../../helpers/database.ts'
import { failsWith } from '../../helpers/fails-with.ts'
import { startWalletd, type Walletd } from '../../helpers/sdk.ts'
import { startReceiver, type WebhookReceiver } from '../../helpers/webhook-receiver.ts'

const refusedUrl = failsWith(400, 'url')

/**
 * A name server the test controls: `rebind.test` answers a public address on its first lookup and
 * loopback afterwards (DNS rebinding); `pinned.test` always answers loopback.
 */
function playedResolver(): Resolver {
  let rebindLookups = 0
  return async (host) => {
    if (host === 'rebind.test') {
      rebindLookups++
      return [{ address: rebindLookups === 1 ? '93.184.216.34' : '127.0.0.1', family: 4 }]
    }
    if (host === 'pinned.test') return [{ address: '127.0.0.1', family: 4 }]
    throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' })
  }
}

/** The first attempt of the webhook's only event (a failed one is followed by its pending retry). */
async function firstAttempt(w: Walletd, webhookId: string): Promise<WebhookEventView | undefined> {
  const items = (await w.root.webhooks.listWebhookEvents({ webhookId }))
    .items as unknown as WebhookEventView[]
  return items.find((e) => e.deliveryAttempt === 1)
}

describe(`webhook targets in the production profile (${testDialect})`, () => {
  let w: Walletd
  let receiver: WebhookReceiver
  before(async () => {
    w = await startWalletd({
      config: { profile: 'production', webhookAllowedCidrs: '10.20.0.0/16' },
      deps: { runJobs: false, resolver: playedResolver() },
    })
    receiver = await startReceiver()
  })
  after(async () => {
    await receiver.close()
    await w.close()
  })

  it('refuses metadata, private, loopback, unique-local and unspecified targets at create and update', async () => {
    for (const url of [
      'http://169.254.169.254/',
      'http://10.0.0.1/',
      'http://127.0.0.1:8087/',
      'http://[::1]/',
      'http://[::ffff:127.0.0.1]/',
      'http://[fd00::1]/',
      'http://0.0.0.0/',
      'http://192.168.0.10/',
      'http://pinned.test/',
    ]) {
      await assert.rejects(w.root.webhooks.createWebhook({ body: { url, events: ['*'] } }), refusedUrl, url)
    }
    const hook = await w.root.webhooks.createWebhook({
      body: { url: 'http://93.184.216.34/', events: ['*'] },
    })
    await assert.rejects(
      w.root.webhooks.updateWebhook({ webhookId: hook.id, body: { url: 'http://169.254.169.254/latest' } }),
      refusedUrl,
    )
    assert.equal((await w.root.webhooks.getWebhook({ webhookId: hook.id })).url, 'http://93.184.216.34/')
    await w.root.webhooks.deleteWebhook({ webhookId: hook.id })
  })

  it('accepts a private receiver in the operator’s allow-list', async () => {
    const hook = await w.root.webhooks.createWebhook({
      body: { url: 'http://10.20.0.7/hook', events: ['*'] },
    })
    await w.root.webhooks.deleteWebhook({ webhookId: hook.id })
  })

  it('refuses at delivery a name that resolved to a public address at create and to loopback now', async () => {
    const { port } = new URL(receiver.url)
    const hook = await w.root.webhooks.createWebhook({
      body: { url: `http://rebind.test:${port}/hook`, events: ['wallet.created'] },
    })
    await w.root.wallets.createWallet({ body: { network: 'EthereumSepolia' } })
    await w.app.walletd.jobs.runDueJobs()
    assert.equal(receiver.received.length, 0, 'nothing reached the loopback receiver')
    const event = await firstAttempt(w, hook.id)
    assert.equal(event?.status, 'TargetRefused')
    assert.equal(event?.deliveryFailed, true)
    assert.match(event?.error ?? '', /rebind\.test resolves to 127\.0\.0\.1, which is a loopback address/)
    const ping = await w.root.webhooks.pingWebhook({ webhookId: hook.id })
    assert.equal(ping.status, 'TargetRefused')
    assert.equal(receiver.received.length, 0)
    await w.root.webhooks.deleteWebhook({ webhookId: hook.id })
  })
})

describe(`webhook delivery on the wire (${testDialect})`, () => {
  let w: Walletd
  let receiver: WebhookReceiver
  let odd: http.Server
  let oddUrl: string
  before(async () => {
    w = await startWalletd({
      config: { webhookTimeoutMs: 300 },
      deps: { runJobs: false, resolver: playedResolver() },
    })
    receiver = await startReceiver()
    // Answers by path: a redirect to the receiver, a huge error page, or nothing at all.
    odd = http.createServer((req, res) => {
      if (req.url === '/redirect') {
        res.writeHead(302, { location: receiver.url }).end()
      } else if (req.url === '/huge') {
        res.writeHead(500, { 'content-type': 'text/plain' })
        res.end('x'.repeat(4 * 1024 * 1024))
      } else {
        req.resume() // never answers
      }
    })
    await new Promise<void>((resolve) => odd.listen(0, '127.0.0.1', resolve))
    oddUrl = `http://127.0.0.1:${(odd.address() as AddressInfo).port}`
  })
  after(async () => {
    odd.closeAllConnections()
    await new Promise((resolve) => odd.close(resolve))
    await receiver.close()
    await w.close()
  })

  const attemptTo = async (url: string) => {
    const hook = await w.root.webhooks.createWebhook({ body: { url, events: ['key.created'] } })
    await w.root.keys.createKey({ body: { scheme: 'EdDSA', curve: 'ed25519' } })
    await w.app.walletd.jobs.runDueJobs()
    const event = await firstAttempt(w, hook.id)
    await w.root.webhooks.deleteWebhook({ webhookId: hook.id })
    return event!
  }

  it('connects to the address it resolved, not to what the system resolver says', async () => {
    const { port } = new URL(receiver.url)
    const hook = await w.root.webhooks.createWebhook({
      body: { url: `http://pinned.test:${port}/hook`, events: ['key.created'] },
    })
    receiver.secret = hook.secret
    await w.root.keys.createKey({ body: { scheme: 'EdDSA', curve: 'ed25519' } })
    await w.app.walletd.jobs.runDueJobs()
    assert.equal(receiver.received.length, 1)
    assert.equal(receiver.received[0]!.headers.host, `pinned.test:${port}`)
    assert.equal(receiver.received[0]!.signatureValid, true)
    await w.root.webhooks.deleteWebhook({ webhookId: hook.id })
  })

  it('does not follow redirects: a 302 is a failed attempt', async () => {
    const before = receiver.received.length
    const event = await attemptTo(`${oddUrl}/redirect`)
    assert.deepEqual([event.status, event.deliveryFailed], ['302', true])
    assert.equal(receiver.received.length, before)
  })

  it('gives a receiver that does not answer until the timeout', async () => {
    const event = await attemptTo(`${oddUrl}/silent`)
    assert.deepEqual([event.status, event.deliveryFailed], ['Timeout', true])
    assert.ok(event.nextAttemptDate, 'a timeout is retried')
  })

  it('reads at most 64 KiB of an answer', async () => {
    const event = await attemptTo(`${oddUrl}/huge`)
    assert.equal(event.status, '500')
    assert.ok((event.error ?? '').length <= 64 * 1024, `${event.error?.length} characters kept`)
  })

  it('reports a receiver that refuses connections', async () => {
    const event = await attemptTo('http://127.0.0.1:9/')
    assert.deepEqual([event.status, event.deliveryFailed], ['ConnectionError', true])
  })
})
