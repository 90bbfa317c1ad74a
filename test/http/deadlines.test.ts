import assert from 'node:assert/strict'
import net from 'node:net'
import { describe, it } from 'node:test'
import { createTestApp, type TestApp } from '../helpers/app.ts'
import { testDialect } from '../helpers/database.ts'

// Header, request (body) and idle deadlines and the connection cap, driven over raw sockets against
// a listening walletd with short deadlines. Nothing here measures time: each test waits for what
// the server does (answers, closes) and checks what it was.

/** Run `test` against a walletd listening on a free port with `config`, closed afterwards. */
async function listening(config: Record<string, number>, test: (port: number, t: TestApp) => Promise<void>) {
  const t = await createTestApp({ config })
  try {
    await t.app.listen({ host: '127.0.0.1', port: 0 })
    await test((t.app.server.address() as net.AddressInfo).port, t)
  } finally {
    await t.close()
  }
}

interface Exchange {
  readonly socket: net.Socket
  /** Everything the server sent until it closed the connection. */
  readonly closed: Promise<string>
}

function connect(port: number): Promise<Exchange> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1')
    let received = ''
    socket.setEncoding('utf8')
    socket.on('data', (d) => {
      received += d
    })
    const closed = new Promise<string>((r) => socket.on('close', () => r(received)))
    socket.once('error', () => undefined)
    socket.once('connect', () => resolve({ socket, closed }))
    socket.once('error', reject)
  })
}

function assert408(raw: string) {
  const [head, body] = raw.split('\r\n\r\n')
  assert.match(head ?? '', /^HTTP\/1\.1 408 Request Timeout\r\n/)
  assert.match(head ?? '', /\r\nConnection: close/i)
  const error = JSON.parse(body ?? '').error
  assert.equal(error.status, 408)
  assert.equal(error.message, 'Request was not received in time.')
  assert.match(error.id, /^\d+$/)
}

describe(`deadlines (${testDialect})`, () => {
  const deadlines = { headerTimeoutMs: 300, requestTimeoutMs: 600, idleTimeoutMs: 300 }

  it('headers that never finish are answered 408 and the connection closed', async () => {
    await listening(deadlines, async (port) => {
      const c = await connect(port)
      c.socket.write('POST /auth/login/init HTTP/1.1\r\nHost: walletd\r\nContent-Type: application/json\r\n')
      assert408(await c.closed)
    })
  })

  it('a connection that sends nothing at all is closed at the header deadline', async () => {
    await listening(deadlines, async (port) => {
      const c = await connect(port)
      const raw = await c.closed
      assert.ok(raw === '' || raw.startsWith('HTTP/1.1 408 '), raw)
    })
  })

  it('a body that stalls on the unauthenticated login route is answered 408 and closed', async () => {
    await listening(deadlines, async (port) => {
      const c = await connect(port)
      c.socket.write(
        'POST /auth/login/init HTTP/1.1\r\nHost: walletd\r\nContent-Type: application/json\r\n' +
          'Content-Length: 100\r\n\r\n{"username":',
      )
      assert408(await c.closed)
    })
  })

  it('a kept-alive connection idle between requests is closed after being answered', async () => {
    await listening(deadlines, async (port) => {
      const c = await connect(port)
      c.socket.write('GET /healthz HTTP/1.1\r\nHost: walletd\r\n\r\n')
      const raw = await c.closed
      assert.match(raw, /^HTTP\/1\.1 200 OK\r\n/)
      assert.match(raw, /\{"status":"ok"\}$/)
    })
  })

  it('connections beyond the cap are closed unanswered while those within it are served', async () => {
    await listening(
      {
        maxConnections: 2,
        headerTimeoutMs: 60_000,
        requestTimeoutMs: 60_000,
      },
      async (port, t) => {
        const held = [await connect(port), await connect(port)]
        // Wait until the server counts both (the accept is asynchronous to the client's connect).
        while ((await new Promise<number>((r) => t.app.server.getConnections((_e, n) => r(n)))) < 2) {
          await new Promise((r) => setImmediate(r))
        }
        const extra = await connect(port)
        extra.socket.write('GET /healthz HTTP/1.1\r\nHost: walletd\r\n\r\n')
        assert.equal(await extra.closed, '')
        const first = held[0] as Exchange
        first.socket.write('GET /healthz HTTP/1.1\r\nHost: walletd\r\nConnection: close\r\n\r\n')
        assert.match(await first.closed, /^HTTP\/1\.1 200 OK\r\n/)
        held[1]?.socket.destroy()
      },
    )
  })
})
