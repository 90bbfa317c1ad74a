import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { DfnsError } from '@dfns/sdk'
import { createTestDatabase, type TestDatabase, testDialect } from '../../helpers/database.ts'
import { rootClientFrom } from '../../helpers/sdk.ts'
import {
  type RunningWalletd,
  runCli,
  startWalletd,
  TEST_OPERATOR_TOKEN,
} from '../../helpers/walletd-process.ts'

/** `walletd emulator …` against a running `walletd start`, as a CI script would use it. */
describe(`walletd emulator (${testDialect})`, () => {
  let dir: string
  let database: TestDatabase | undefined
  let server: RunningWalletd
  let target: string[]
  const emulator = (args: string[], env: NodeJS.ProcessEnv = {}) =>
    runCli(['emulator', ...args, '--url', server.baseUrl, ...target], env)

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'walletd-emulator-cli-'))
    if (testDialect === 'postgres') {
      database = await createTestDatabase({ migrate: false })
      target = ['--data-dir', dir, '--database-url', database.databaseUrl!]
    } else target = ['--data-dir', dir]
    server = await startWalletd(target)
  })
  after(async () => {
    await server.stop()
    await database?.dispose()
    fs.rmSync(dir, { recursive: true, force: true })
  })

  it('clock: shows walletd time', async () => {
    const shown = await emulator(['clock'])
    assert.equal(shown.code, 0, shown.stderr)
    assert.ok(Number.isFinite(Date.parse(JSON.parse(shown.stdout).now)))
  })

  it('clock advance and clock set move it forward; back in time exits 1 with the 400', async () => {
    const before = Date.parse(JSON.parse((await emulator(['clock'])).stdout).now)
    const advanced = await emulator(['clock', 'advance', '3600'])
    assert.equal(advanced.code, 0, advanced.stderr)
    const after = Date.parse(JSON.parse(advanced.stdout).now)
    assert.ok(after >= before + 3_600_000, `${after} is an hour after ${before}`)
    const target = new Date(after + 86_400_000).toISOString()
    const set = await emulator(['clock', 'set', target])
    assert.equal(set.code, 0, set.stderr)
    assert.ok(Date.parse(JSON.parse(set.stdout).now) >= Date.parse(target))
    const back = await emulator(['clock', 'set', new Date(before).toISOString()])
    assert.equal(back.code, 1)
    assert.equal(JSON.parse(back.stderr).error.details.field, 'setTo')
  })

  it('mailbox: reads the registration code a user was mailed, then clears it', async () => {
    const credentials = JSON.parse(fs.readFileSync(path.join(dir, 'bootstrap.json'), 'utf8'))
    const root = rootClientFrom(server.baseUrl, credentials)
    const created = await root.auth.createUser({
      body: { email: 'cli-mail@example.com', kind: 'CustomerEmployee' },
    })
    const read = await emulator(['mailbox', 'to=cli-mail@example.com'])
    assert.equal(read.code, 0, read.stderr)
    const { items } = JSON.parse(read.stdout)
    assert.equal(items.length, 1)
    assert.ok(items[0].text.includes((created as unknown as { registrationCode: string }).registrationCode))
    assert.equal((await emulator(['mailbox', 'clear'])).code, 0)
    assert.deepEqual(JSON.parse((await emulator(['mailbox'])).stdout).items, [])
  })

  it('faults: add, list, remove, clear; the SDK meets the fault', async () => {
    const credentials = JSON.parse(fs.readFileSync(path.join(dir, 'bootstrap.json'), 'utf8'))
    const root = rootClientFrom(server.baseUrl, credentials)
    const added = await emulator([
      'faults',
      'add',
      '{"route":"/wallets","method":"GET","status":503,"times":1}',
    ])
    assert.equal(added.code, 0, added.stderr)
    const fault = JSON.parse(added.stdout)
    await assert.rejects(root.wallets.listWallets(), (e: DfnsError) => e.httpStatus === 503)
    assert.ok(Array.isArray((await root.wallets.listWallets()).items), 'spent after one')
    const listed = JSON.parse((await emulator(['faults'])).stdout).items
    assert.deepEqual(
      listed.map((f: { id: string; fired: number }) => [f.id, f.fired]),
      [[fault.id, 1]],
    )
    assert.equal((await emulator(['faults', 'remove', fault.id])).code, 0)
    const gone = await emulator(['faults', 'remove', fault.id])
    assert.equal(gone.code, 1)
    assert.equal(JSON.parse(gone.stderr).error.status, 404)
    const bad = await emulator(['faults', 'add', '{"route":"/wallets","status":302}'])
    assert.equal(bad.code, 1)
    assert.equal(JSON.parse(bad.stderr).error.details.field, 'status')
    await emulator(['faults', 'add', '{"route":"*","status":500}'])
    assert.equal((await emulator(['faults', 'clear'])).code, 0)
    assert.deepEqual(JSON.parse((await emulator(['faults'])).stdout).items, [])
  })

  it('journal: reads requests by route and status, with no token in it; clears', async () => {
    const credentials = JSON.parse(fs.readFileSync(path.join(dir, 'bootstrap.json'), 'utf8'))
    const root = rootClientFrom(server.baseUrl, credentials)
    const wallet = await root.wallets.createWallet({ body: { network: 'EthereumSepolia' } })
    const read = await emulator(['journal', 'route=/wallets', 'method=POST', 'status=200'])
    assert.equal(read.code, 0, read.stderr)
    const { items } = JSON.parse(read.stdout)
    assert.equal(items[0].response.body.id, wallet.id)
    assert.ok(!read.stdout.includes(credentials.serviceAccount.accessToken))
    const bad = await emulator(['journal', 'status=teapot'])
    assert.equal(bad.code, 1)
    assert.equal(JSON.parse(bad.stderr).error.details.field, 'status')
    assert.equal((await emulator(['journal', 'clear'])).code, 0)
    assert.deepEqual(
      JSON.parse((await emulator(['journal', 'route=/wallets', 'method=POST'])).stdout).items,
      [],
    )
  })

  it('a wrong token exits 1 with the 401; an unknown control exits 2 with the usage', async () => {
    const wrong = await emulator(['clock'], { WALLETD_OPERATOR_TOKEN: 'not-the-operator-token-0123456789' })
    assert.equal(wrong.code, 1)
    assert.equal(JSON.parse(wrong.stderr).error.status, 401)
    const unknown = await emulator(['teleport'])
    assert.equal(unknown.code, 2)
    assert.match(unknown.stderr, /unknown emulator command: teleport/)
  })

  it('without a token anywhere it says where to find one (exit 2)', async (t) => {
    if (testDialect === 'postgres') return t.skip('with PostgreSQL the token is in the environment')
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'walletd-no-token-'))
    try {
      const res = await runCli(['emulator', 'clock', '--url', server.baseUrl, '--data-dir', empty], {
        WALLETD_OPERATOR_TOKEN: '',
      })
      assert.equal(res.code, 2)
      assert.match(res.stderr, /no operator token: set WALLETD_OPERATOR_TOKEN/)
      assert.equal(fs.existsSync(path.join(empty, 'operator-token')), false, 'the command never creates one')
    } finally {
      fs.rmSync(empty, { recursive: true, force: true })
    }
  })

  it('uses WALLETD_OPERATOR_TOKEN when set (PostgreSQL deployments)', async (t) => {
    if (testDialect !== 'postgres') return t.skip('PostgreSQL only')
    const res = await emulator(['clock'], { WALLETD_OPERATOR_TOKEN: TEST_OPERATOR_TOKEN })
    assert.equal(res.code, 0, res.stderr)
  })
})
