import assert from 'node:assert/strict'
import fs from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { redactUrl } from '../../src/db/database.ts'
import { createTestDatabase, type TestDatabase, testDialect } from '../helpers/database.ts'
import { assertErrorBody } from '../helpers/error-body.ts'
import { runCli, startWalletd } from '../helpers/walletd-process.ts'

// The real CLI as an operator runs it: a separate process, on SQLite in a data dir by default, or
// on PostgreSQL (--database-url) when WALLETD_TEST_DATABASE_URL is set.

let dataDir: string
let database: TestDatabase | undefined
let storageFlags: string[]

before(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'walletd-cli-'))
  if (testDialect === 'postgres') {
    database = await createTestDatabase({ migrate: false })
    storageFlags = ['--data-dir', dataDir, '--database-url', database.databaseUrl!]
  } else {
    storageFlags = ['--data-dir', dataDir]
  }
})
after(async () => {
  await database?.dispose()
  fs.rmSync(dataDir, { recursive: true, force: true })
})

/** A POST whose body is sent in two parts, the second only when `release` is called. */
function slowPost(baseUrl: string, urlPath: string, body: string) {
  const url = new URL(urlPath, baseUrl)
  const half = Math.floor(body.length / 2)
  let release!: () => void
  let headersReceivedByServer!: () => void
  const accepted = new Promise<void>((r) => {
    headersReceivedByServer = r
  })
  const response = new Promise<{ statusCode: number; headers: http.IncomingHttpHeaders; body: string }>(
    (resolve, reject) => {
      const req = http.request(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          // The server answers "100 Continue" once it has the headers: proof the request is in flight.
          expect: '100-continue',
        },
      })
      req.on('continue', () => {
        req.write(body.slice(0, half))
        headersReceivedByServer()
      })
      release = () => req.end(body.slice(half))
      req.on('response', (res) => {
        let text = ''
        res.setEncoding('utf8')
        res.on('data', (d) => {
          text += d
        })
        res.on('end', () => resolve({ statusCode: res.statusCode ?? 0, headers: res.headers, body: text }))
        res.on('error', reject)
      })
      req.on('error', reject)
    },
  )
  return { accepted, release: () => release(), response }
}

describe(`walletd start (${testDialect})`, () => {
  it('starts, migrates, logs where it listens and how to connect, and stops cleanly on SIGTERM', async () => {
    const walletd = await startWalletd(storageFlags)
    const listening = await walletd.waitForLine((l) => typeof l.address === 'string')
    assert.equal(listening.address, walletd.baseUrl)
    assert.match(String(listening.msg), /walletd listening on http:\/\/127\.0\.0\.1:\d+/)
    assert.match(String(listening.msg), /DfnsApiClient\(\{ baseUrl: 'http:\/\/127\.0\.0\.1:\d+'/)
    assert.equal(
      listening.database,
      database?.databaseUrl ? redactUrl(database.databaseUrl) : path.join(dataDir, 'walletd.sqlite'),
    )

    const health = await fetch(`${walletd.baseUrl}/healthz`)
    assert.equal(health.status, 200)
    assert.deepEqual(await health.json(), { status: 'ok' })
    assert.equal(await walletd.stop(), 0)
    assert.ok(walletd.lines.some((l) => l.msg === 'walletd stopped'))
    assert.equal(walletd.stderr(), '')
  })

  it('finishes a request that is in flight when SIGTERM arrives, then exits 0', async () => {
    const walletd = await startWalletd(storageFlags)
    const body = JSON.stringify({ note: 'x'.repeat(2000) })
    const inFlight = slowPost(walletd.baseUrl, '/healthz', body)
    await inFlight.accepted
    walletd.child.kill('SIGTERM')
    await walletd.waitForLine((l) => l.msg === 'walletd stopping: finishing in-flight requests')
    inFlight.release()
    const res = await inFlight.response
    // The whole answer arrives, in the error contract (POST is not allowed on /healthz).
    assertErrorBody({ statusCode: res.statusCode, headers: res.headers, body: res.body }, 405)
    assert.equal(await walletd.exited, 0)
  })

  it('a second instance on a port already taken says so and exits 1', async () => {
    const first = await startWalletd(storageFlags)
    const port = new URL(first.baseUrl).port
    const second = await runCli(['start', '--port', port, ...storageFlags])
    assert.equal(second.code, 1)
    assert.match(
      second.stderr,
      new RegExp(`walletd cannot start: port ${port} on 127.0.0.1 is already in use`),
    )
    assert.equal(await first.stop(), 0)
  })
})

describe(`walletd errors show (${testDialect})`, () => {
  it('finds an error a running server answered, by its id', async () => {
    const walletd = await startWalletd(storageFlags)
    const res = await fetch(`${walletd.baseUrl}/no/such/route?token=abc`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"broken":',
    })
    const body = await res.text()
    const error = assertErrorBody(
      { statusCode: res.status, headers: Object.fromEntries(res.headers), body },
      404,
    )

    // The server writes its error rows in batches (about once a second); ask until it is there.
    let shown = await runCli(['errors', 'show', error.id, ...storageFlags])
    for (let attempt = 0; attempt < 20 && shown.code !== 0; attempt++) {
      await new Promise((r) => setTimeout(r, 250))
      shown = await runCli(['errors', 'show', error.id, ...storageFlags])
    }
    assert.equal(shown.code, 0, shown.stderr)
    assert.match(shown.stdout, new RegExp(`^id\\s+${error.id}$`, 'm'))
    assert.match(shown.stdout, /^status\s+404$/m)
    assert.match(shown.stdout, /^code\s+route_not_found$/m)
    assert.match(shown.stdout, /^request\s+POST \/no\/such\/route$/m)
    assert.match(shown.stdout, /^requestId\s+req-\w+$/m)
    assert.match(shown.stdout, /^message\s+No route POST \/no\/such\/route\.$/m)
    assert.doesNotMatch(shown.stdout, /token=abc/, 'query strings (which may carry secrets) are not recorded')

    const asJson = await runCli(['errors', 'show', error.id, '--json', ...storageFlags])
    assert.equal(asJson.code, 0)
    const record = JSON.parse(asJson.stdout)
    assert.equal(record.id, error.id)
    assert.equal(record.status, 404)
    assert.deepEqual(record.details, { method: 'POST', path: '/no/such/route' })
    assert.equal(record.time, new Date(record.time).toISOString())

    assert.equal(await walletd.stop(), 0)
  })

  it('explains an id it does not have, and refuses what is not an id', async () => {
    const missing = await runCli(['errors', 'show', '913566760327606272', ...storageFlags])
    assert.equal(missing.code, 1)
    assert.match(missing.stderr, /error 913566760327606272 not found\. That id was issued at 20\d\d-/)
    assert.match(missing.stderr, /retention \(14 days\)/)

    const notAnId = await runCli(['errors', 'show', 'wa-123', ...storageFlags])
    assert.equal(notAnId.code, 1)
    assert.match(notAnId.stderr, /not a walletd error id/)

    const noId = await runCli(['errors', 'show', ...storageFlags])
    assert.equal(noId.code, 2)
    assert.match(noId.stderr, /usage: walletd errors show <error id>/)
  })
})

describe('walletd command line', () => {
  it('migrate applies the migrations once, then reports the database up to date', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'walletd-migrate-'))
    try {
      const first = await runCli(['migrate', '--data-dir', dir])
      assert.equal(first.code, 0, first.stderr)
      assert.match(first.stdout, /^applied 0001-foundation.* on .*walletd\.sqlite$/m)
      const second = await runCli(['migrate', '--data-dir', dir])
      assert.equal(second.code, 0)
      assert.equal(second.stdout, 'database is up to date\n')
    } finally {
      fs.rmSync(dir, { recursive: true, force: true })
    }
  })

  it('prints usage for --help (exit 0) and for nothing or an unknown command (exit 2)', async () => {
    const help = await runCli(['--help'])
    assert.equal(help.code, 0)
    assert.match(help.stdout, /walletd start \[options\]/)
    assert.match(help.stdout, /--database-url <url>/)
    assert.equal((await runCli([])).code, 2)
    const unknown = await runCli(['launch'])
    assert.equal(unknown.code, 2)
    assert.match(unknown.stderr, /unknown command "launch"/)
  })

  it('refuses a bad flag or setting with exit 2 and says which', async () => {
    const badFlag = await runCli(['start', '--prot', '1'])
    assert.equal(badFlag.code, 2)
    assert.match(badFlag.stderr, /Unknown option '--prot'/)
    const badPort = await runCli(['start', '--port', 'eighty'])
    assert.equal(badPort.code, 2)
    assert.match(badPort.stderr, /configuration error: port must be an integer in 0\.\.65535, got "eighty"/)
    const badUrl = await runCli(['migrate', '--database-url', 'mysql://x'])
    assert.equal(badUrl.code, 2)
    assert.match(badUrl.stderr, /database url must start with postgres:\/\//)
    const badEnv = await runCli(['start'], { WALLETD_BODY_LIMIT: '-1' })
    assert.equal(badEnv.code, 2)
    assert.match(badEnv.stderr, /body limit must be an integer/)
  })
})
