/**
 * Delivery by real `walletd start` processes: an event whose node is killed -9 mid-delivery is
 * delivered after a restart, and two nodes on one database deliver each event once.
 * On PostgreSQL (WALLETD_TEST_DATABASE_URL) the nodes share a fresh schema; on SQLite a data dir.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { DfnsApiClient } from '@dfns/sdk'
import type { BootstrapResult } from '../../../src/domains/auth/index.ts'
import { createTestDatabase, type TestDatabase, testDialect } from '../../helpers/database.ts'
import { rootClientFrom } from '../../helpers/sdk.ts'
import { type RunningWalletd, runCli, startWalletd } from '../../helpers/walletd-process.ts'
import { startReceiver, type WebhookReceiver } from '../../helpers/webhook-receiver.ts'

describe(`webhook delivery by walletd processes (${testDialect})`, () => {
  let dir: string
  let database: TestDatabase | undefined
  let storage: string[]
  let receiver: WebhookReceiver
  const running: RunningWalletd[] = []
  const env = {
    WALLETD_MASTER_KEY: randomBytes(32).toString('hex'),
    WALLETD_LOG_LEVEL: 'warn',
    WALLETD_DEV_CHAIN: 'false',
    // A short receiver timeout makes the lease of a killed node's delivery run out sooner.
    WALLETD_WEBHOOK_TIMEOUT_MS: '3000',
  }
  const start = async () => {
    const node = await startWalletd(storage, env)
    running.push(node)
    return node
  }
  const newOrg = async (): Promise<BootstrapResult> => {
    const out = await runCli(['bootstrap', '--json', ...storage], env)
    assert.equal(out.code, 0, out.stderr)
    return JSON.parse(out.stdout)
  }
  /** The stored attempt once its outcome is recorded (the receiver sees the request just before). */
  const recorded = async (client: DfnsApiClient, webhookId: string, eventId: string) => {
    for (let i = 0; i < 400; i++) {
      const event = await client.webhooks.getWebhookEvent({ webhookId, webhookEventId: eventId })
      if (event.status !== 'Pending') return event
      await new Promise((resolve) => setTimeout(resolve, 25))
    }
    throw new Error(`attempt ${eventId} was never recorded`)
  }

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'walletd-webhooks-'))
    if (testDialect === 'postgres') {
      database = await createTestDatabase({ migrate: false })
      storage = ['--data-dir', dir, '--database-url', database.databaseUrl!]
    } else {
      storage = ['--data-dir', dir]
    }
    receiver = await startReceiver()
  })
  after(async () => {
    for (const node of running) if (node.child.exitCode === null) node.child.kill('SIGKILL')
    await Promise.all(running.map((n) => n.exited))
    await receiver.close()
    await database?.dispose()
    fs.rmSync(dir, { recursive: true, force: true })
  })

  it('delivers after a restart an event whose node was killed -9 while sending it', async () => {
    const first = await start()
    const org = await newOrg()
    const client = rootClientFrom(first.baseUrl, org)
    const hook = await client.webhooks.createWebhook({
      body: { url: receiver.url, events: ['wallet.created'] },
    })
    receiver.secret = hook.secret
    receiver.statuses.push(0) // holds the first attempt: the node dies with it in flight
    const wallet = await client.wallets.createWallet({ body: { network: 'EthereumSepolia' } })
    const held = await receiver.waitFor((r) => r.body.data.wallet?.id === wallet.id)
    first.child.kill('SIGKILL')
    await first.exited

    const second = await start()
    const redelivered = await receiver.waitFor((r) => r !== held && r.body.id === held.body.id)
    assert.equal(redelivered.signatureValid, true)
    assert.equal(redelivered.answeredStatus, 200)
    assert.equal(redelivered.body.deliveryAttempt, 1, 'the same attempt, sent again: receivers dedupe on id')
    assert.deepEqual(redelivered.body.data, held.body.data)
    const stored = await recorded(rootClientFrom(second.baseUrl, org), hook.id, held.body.id)
    assert.equal(stored.status, '200')
    await second.stop()
  })

  it('two nodes on one database deliver each event once', async () => {
    const nodes = [await start(), await start()]
    const org = await newOrg()
    const clients = nodes.map((n) => rootClientFrom(n.baseUrl, org))
    const own = await startReceiver()
    try {
      const hook = await clients[0]!.webhooks.createWebhook({
        body: { url: own.url, events: ['wallet.created'] },
      })
      own.secret = hook.secret
      // Changes on both nodes; each node's runner competes for every delivery job.
      const wallets = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          clients[i % 2]!.wallets.createWallet({ body: { network: 'EthereumSepolia', name: `w${i}` } }),
        ),
      )
      for (const wallet of wallets) await own.waitFor((r) => r.body.data.wallet?.id === wallet.id)
      // Once every attempt's outcome is recorded, no node sends it again: the count is final.
      const events = (await clients[1]!.webhooks.listWebhookEvents({ webhookId: hook.id })).items
      assert.equal(events.length, 20, JSON.stringify(events.map((e) => [e.status, e.error])))
      for (const event of events) {
        assert.equal((await recorded(clients[1]!, hook.id, event.id)).status, '200')
      }
      assert.equal(own.received.length, 20, 'each event was sent once')
      assert.equal(new Set(own.received.map((r) => r.body.id)).size, 20)
      assert.ok(own.received.every((r) => r.signatureValid))
    } finally {
      await own.close()
      await Promise.all(nodes.map((n) => n.stop()))
    }
  })
})
