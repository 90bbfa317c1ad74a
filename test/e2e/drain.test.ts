import assert from 'node:assert/strict'
import http from 'node:http'
import type net from 'node:net'
import { after, before, describe, it } from 'node:test'
import { testDialect } from '../helpers/database.ts'
import { assertErrorBody } from '../helpers/error-body.ts'
import { type CliStorage, cliStorage, startWalletd } from '../helpers/walletd-process.ts'

// SIGTERM as a load balancer's orchestrator sends it: the real CLI drains before it stops.

let storage: CliStorage
let storageFlags: string[]

before(async () => {
  storage = await cliStorage('walletd-drain-')
  storageFlags = storage.flags
})
after(() => storage.dispose())

interface Answer {
  statusCode: number
  headers: http.IncomingHttpHeaders
  body: string
  socket: net.Socket
  reused: boolean
}

function get(baseUrl: string, urlPath: string, agent: http.Agent | false): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.get(new URL(urlPath, baseUrl), { agent }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (d) => {
        body += d
      })
      res.on('end', () =>
        resolve({
          statusCode: res.statusCode ?? 0,
          headers: res.headers,
          body,
          socket: req.socket as net.Socket,
          reused: req.reusedSocket,
        }),
      )
    })
    req.on('error', reject)
  })
}

describe(`SIGTERM drains the node before it stops (${testDialect})`, () => {
  it('/readyz answers 503 during the drain, kept-alive connections close after their next answer, then exit 0', async () => {
    // A drain far longer than the test: it ends with the second signal, not with a timer.
    const walletd = await startWalletd(storageFlags, { WALLETD_DRAIN_MS: '600000' })
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })
    try {
      const before = await get(walletd.baseUrl, '/healthz', agent)
      assert.equal(before.statusCode, 200)
      assert.equal(before.headers.connection, 'keep-alive')
      const keptAlive = before.socket
      const keptAliveClosed = new Promise<void>((r) => keptAlive.once('close', () => r()))

      walletd.child.kill('SIGTERM')
      const draining = await walletd.waitForLine((l) => String(l.msg).startsWith('walletd draining'))
      assert.equal(draining.drainMs, 600000)

      const ready = await get(walletd.baseUrl, '/readyz', false)
      const error = assertErrorBody(ready, 503)
      assert.equal(error.message, 'walletd is shutting down.')
      assert.deepEqual(error.details, { reason: 'draining' })

      // The kept-alive connection is still served, told to close, and closed by the server.
      const during = await get(walletd.baseUrl, '/healthz', agent)
      assert.equal(during.reused, true)
      assert.equal(during.socket, keptAlive)
      assert.equal(during.statusCode, 200)
      assert.equal(during.headers.connection, 'close')
      await keptAliveClosed

      // New connections are still served while the load balancer notices.
      assert.equal((await get(walletd.baseUrl, '/healthz', false)).statusCode, 200)
      assert.equal(walletd.child.exitCode, null, 'still running')

      walletd.child.kill('SIGTERM')
      assert.equal(await walletd.exited, 0)
      assert.ok(walletd.lines.some((l) => l.msg === 'walletd stopped'))
    } finally {
      agent.destroy()
      await walletd.stop()
    }
  })

  it('Ctrl-C (SIGINT) stops without a drain', async () => {
    const walletd = await startWalletd(storageFlags, { WALLETD_DRAIN_MS: '600000' })
    walletd.child.kill('SIGINT')
    assert.equal(await walletd.exited, 0)
    assert.ok(!walletd.lines.some((l) => String(l.msg).startsWith('walletd draining')))
  })
})
