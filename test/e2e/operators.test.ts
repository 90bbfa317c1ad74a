import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { afterEach, beforeEach, describe, it } from 'node:test'
import { toHex, verifyMessage } from 'viem'
import { testDialect } from '../helpers/database.ts'
import { rootClientFrom } from '../helpers/sdk.ts'
import { type CliStorage, cliStorage, runCli, startWalletd } from '../helpers/walletd-process.ts'

// What an operator meets on the command line: invalid settings, a wrong master key, rotating the
// master key, the files walletd creates. The real CLI, as a separate process, on SQLite in a data
// dir or on PostgreSQL (--database-url) when WALLETD_TEST_DATABASE_URL is set.

let storage: CliStorage
let dataDir: string
let storageFlags: string[]

beforeEach(async () => {
  storage = await cliStorage('walletd-ops-')
  dataDir = storage.dataDir
  storageFlags = storage.flags
})
afterEach(() => storage.dispose())

const anotherKey = () => randomBytes(32).toString('hex')

describe('invalid settings stop walletd with exit 2 and a message naming the setting', () => {
  const cases: { name: string; args: string[]; env: Record<string, string>; message: RegExp }[] = [
    { name: 'log level', args: ['--log-level', 'verbose'], env: {}, message: /log level must be one of/ },
    {
      name: 'host',
      args: ['--host', '999.1.1.1'],
      env: {},
      message: /host must be an IP address or a host name/,
    },
    {
      name: 'master key',
      args: [],
      env: { WALLETD_MASTER_KEY: 'abcd' },
      message: /master key in WALLETD_MASTER_KEY must be 32 bytes/,
    },
    {
      name: 'public url',
      args: [],
      env: { WALLETD_PUBLIC_URL: 'not a url' },
      message: /public url must be a URL/,
    },
    {
      name: 'price url',
      args: [],
      env: { WALLETD_PRICE_URL: 'ftp://prices.example/{symbol}' },
      message: /price url must be a URL \(http or https\)/,
    },
    {
      name: 'price url without {symbol}',
      args: [],
      env: { WALLETD_PRICE_URL: 'https://prices.example/eth' },
      message: /price url must contain \{symbol\}/,
    },
    { name: 'redis url', args: ['--redis-url', 'http://redis'], env: {}, message: /redis url must be a URL/ },
    {
      name: 'sqlite synchronous',
      args: [],
      env: { WALLETD_SQLITE_SYNCHRONOUS: 'off' },
      message: /sqlite synchronous/,
    },
    {
      name: 'deadlines',
      args: [],
      env: { WALLETD_HEADER_TIMEOUT_MS: '5000', WALLETD_REQUEST_TIMEOUT_MS: '1000' },
      message: /request timeout \(1000 ms\) must be at least the header timeout/,
    },
    { name: 'drain', args: [], env: { WALLETD_DRAIN_MS: '-1' }, message: /drain must be an integer/ },
  ]
  for (const c of cases) {
    it(c.name, async () => {
      // Every command reads the same settings; start, plus the two that write, for the first case.
      const commands =
        c === cases[0] ? [['start', '--port', '0'], ['migrate'], ['bootstrap']] : [['start', '--port', '0']]
      for (const command of commands) {
        const result = await runCli([...command, ...storageFlags, ...c.args], c.env)
        assert.equal(result.code, 2, `${command[0]}: ${result.stderr}`)
        assert.match(result.stderr, /^configuration error: /)
        assert.match(result.stderr, c.message)
        assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace')
        assert.equal(result.stdout, '')
      }
    })
  }
})

describe(`the master key (${testDialect})`, () => {
  it('a node or a command given another key than the database was sealed with refuses to run (exit 2)', async () => {
    const created = await runCli(['bootstrap', '--json', ...storageFlags])
    assert.equal(created.code, 0, created.stderr)
    const wrong = { WALLETD_MASTER_KEY: anotherKey() }
    for (const command of [
      ['start', '--port', '0'],
      ['bootstrap'],
      ['migrate'],
      ['errors', 'show', '1'],
      ['org', 'plan', 'or-x'],
    ]) {
      const result = await runCli([...command, ...storageFlags], wrong)
      assert.equal(result.code, 2, `${command.join(' ')}: ${result.stderr}`)
      assert.match(
        result.stderr,
        /^master key error: the master key \(from WALLETD_MASTER_KEY\) does not match/,
      )
      assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace')
      assert.doesNotMatch(result.stdout, /listening/)
    }
    // The right key (the data dir's master.key) still works.
    const again = await runCli(['bootstrap', '--json', ...storageFlags])
    assert.equal(again.code, 0, again.stderr)
  })

  it('the SQLite database and master.key are readable by their owner only', {
    skip: testDialect !== 'sqlite',
  }, async () => {
    const walletd = await startWalletd(storageFlags)
    try {
      for (const name of [
        'walletd.sqlite',
        'walletd.sqlite-wal',
        'walletd.sqlite-shm',
        'master.key',
        'bootstrap.json',
      ]) {
        const mode = fs.statSync(path.join(dataDir, name)).mode & 0o777
        assert.equal(mode.toString(8), '600', name)
      }
    } finally {
      assert.equal(await walletd.stop(), 0)
    }
  })

  it('walletd master-key rotate re-seals everything; the old key is then refused and a wallet signs with the new one', async () => {
    const first = await startWalletd(storageFlags)
    const bootstrap = JSON.parse(fs.readFileSync(path.join(dataDir, 'bootstrap.json'), 'utf8'))
    const wallet = await rootClientFrom(first.baseUrl, bootstrap).wallets.createWallet({
      body: { network: 'EthereumSepolia' },
    })
    assert.equal(await first.stop(), 0)

    const newKeyFile = path.join(dataDir, 'new-master.key')
    const rotated = await runCli(['master-key', 'rotate', '--new-key-file', newKeyFile, ...storageFlags])
    assert.equal(rotated.code, 0, rotated.stderr)
    assert.match(
      rotated.stdout,
      /Re-sealed [1-9]\d* custody secret\(s\), 1 token-signing key\(s\) and 0 webhook secret\(s\)/,
    )
    assert.equal((fs.statSync(newKeyFile).mode & 0o777).toString(8), '600')

    // The old key (still in <data-dir>/master.key) is refused: the node never becomes ready.
    const withOldKey = await runCli(['start', '--port', '0', ...storageFlags])
    assert.equal(withOldKey.code, 2)
    assert.match(withOldKey.stderr, /master key .* does not match/)

    // The operator swaps the key; the wallet created before the rotation signs.
    fs.copyFileSync(newKeyFile, path.join(dataDir, 'master.key'))
    const second = await startWalletd(storageFlags)
    try {
      const message = toHex('signed after a master-key rotation')
      const signed = await rootClientFrom(second.baseUrl, bootstrap).wallets.generateSignature({
        walletId: wallet.id,
        body: { kind: 'Message', message },
      })
      assert.equal(signed.status, 'Signed')
      const signature = signed.signature?.encoded as `0x${string}`
      assert.ok(
        await verifyMessage({
          address: wallet.address as `0x${string}`,
          message: { raw: message },
          signature,
        }),
      )
    } finally {
      assert.equal(await second.stop(), 0)
    }
  })

  it('rotation refuses a missing or identical new key and changes nothing', async () => {
    assert.equal((await runCli(['bootstrap', '--json', ...storageFlags])).code, 0)
    const missing = await runCli(['master-key', 'rotate', ...storageFlags])
    assert.equal(missing.code, 2)
    assert.match(missing.stderr, /the new master key is missing/)
    const current = fs.readFileSync(path.join(dataDir, 'master.key'), 'utf8').trim()
    const same = await runCli(['master-key', 'rotate', ...storageFlags], { WALLETD_NEW_MASTER_KEY: current })
    assert.equal(same.code, 2)
    assert.match(same.stderr, /the new master key is the current one/)
    assert.equal((await runCli(['bootstrap', '--json', ...storageFlags])).code, 0, 'the old key still works')
  })
})
