import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { describe, it } from 'node:test'
import {
  type Config,
  ConfigError,
  configEnvNames,
  DEFAULT_PORT,
  developmentOnlyEnv,
  loadConfig,
} from '../../src/config.ts'
import { MASTER_KEY_ENV } from '../../src/custody/secret-box.ts'
import { repoRoot } from '../helpers/walletd-process.ts'

describe('configuration', () => {
  it('has embedded defaults: loopback, the documented port, SQLite in ./walletd-data', () => {
    const config = loadConfig({}, {})
    assert.equal(config.host, '127.0.0.1')
    assert.equal(config.port, DEFAULT_PORT)
    assert.equal(config.port, 8087)
    assert.equal(config.dataDir, path.resolve('walletd-data'))
    assert.equal(config.databaseUrl, undefined)
    assert.equal(config.redisUrl, undefined)
    assert.equal(config.errorRetentionDays, 14)
    assert.equal(config.bodyLimit, 1024 * 1024)
    assert.equal(config.publicUrl, 'http://127.0.0.1:8087')
  })

  it('takes flags over environment variables over defaults', () => {
    const env = { WALLETD_PORT: '9000', WALLETD_HOST: '0.0.0.0', DATABASE_URL: 'postgres://env/db' }
    const fromEnv = loadConfig({}, env)
    assert.equal(fromEnv.port, 9000)
    assert.equal(fromEnv.host, '0.0.0.0')
    assert.equal(fromEnv.databaseUrl, 'postgres://env/db')
    const fromFlags = loadConfig({ port: '9100', databaseUrl: 'postgresql://flag/db' }, env)
    assert.equal(fromFlags.port, 9100)
    assert.equal(fromFlags.host, '0.0.0.0')
    assert.equal(fromFlags.databaseUrl, 'postgresql://flag/db')
  })

  it('treats an empty value as unset', () => {
    assert.equal(loadConfig({ port: '' }, { WALLETD_PORT: '' }).port, DEFAULT_PORT)
  })

  it('brackets an IPv6 host in the default public URL', () => {
    assert.equal(loadConfig({ host: '::1', port: 1234 }, {}).publicUrl, 'http://[::1]:1234')
  })

  it('refuses out-of-range or malformed values, naming the setting', () => {
    const cases: [Partial<Record<keyof Config, string>>, RegExp][] = [
      [{ port: '65536' }, /^port must be an integer in 0\.\.65535, got "65536"$/],
      [{ port: '80.5' }, /^port must be an integer/],
      [{ nodeId: '1024' }, /^node id must be an integer in 0\.\.1023/],
      [{ bodyLimit: '10' }, /^body limit must be an integer in 1024\.\./],
      [{ errorRetentionDays: '0' }, /^error retention days must be an integer in 1\.\.3650/],
      [{ databaseUrl: 'mysql://x' }, /^database url must start with postgres:\/\/ or postgresql:\/\/$/],
      [{ logLevel: 'verbose' }, /^log level must be one of fatal, error, warn, info, debug, trace, silent/],
      [{ host: '999.1.1.1' }, /^host must be an IP address or a host name, got "999.1.1.1"$/],
      [{ host: 'bad host' }, /^host must be/],
      [{ publicUrl: 'walletd.example' }, /^public url must be a URL \(http or https\)/],
      [{ priceUrl: 'https://prices.example/eth' }, /^price url must contain \{symbol\}/],
      [{ redisUrl: 'localhost:6379' }, /^redis url must be a URL/],
      [{ maxConnections: '0' }, /^max connections must be an integer in 1\.\./],
      [{ sqliteSynchronous: 'off' }, /^sqlite synchronous must be one of full, normal/],
      [
        { headerTimeoutMs: '20000', requestTimeoutMs: '10000' },
        /^request timeout \(10000 ms\) must be at least/,
      ],
    ]
    for (const [flags, message] of cases) {
      assert.throws(
        () => loadConfig(flags, {}),
        (err: unknown) => err instanceof ConfigError && message.test(err.message),
      )
    }
  })

  it('accepts host names, IPv4 and IPv6 addresses, and http(s) URLs', () => {
    for (const host of ['localhost', '0.0.0.0', '::', 'walletd-1.internal', '10.0.0.7']) {
      assert.equal(loadConfig({ host }, {}).host, host)
    }
    const config = loadConfig(
      { publicUrl: 'https://wallets.example.com', priceUrl: 'https://prices.example/{symbol}' },
      {},
    )
    assert.equal(config.publicUrl, 'https://wallets.example.com')
    assert.equal(config.sqliteSynchronous, 'full')
  })

  it('refuses a malformed WALLETD_MASTER_KEY up front', () => {
    assert.throws(
      () => loadConfig({}, { [MASTER_KEY_ENV]: 'abcd' }),
      (err: unknown) => err instanceof ConfigError && /WALLETD_MASTER_KEY must be 32 bytes/.test(err.message),
    )
  })

  it('has two profiles, development by default; production refuses the development-only settings', () => {
    assert.equal(loadConfig({}, {}).profile, 'development')
    assert.equal(loadConfig({}, { WALLETD_PROFILE: 'production' }).profile, 'production')
    assert.equal(
      loadConfig({ profile: 'development' }, { WALLETD_PROFILE: 'production' }).profile,
      'development',
    )
    assert.throws(
      () => loadConfig({ profile: 'prod' }, {}),
      (err: unknown) =>
        err instanceof ConfigError && /profile must be development or production/.test(err.message),
    )
    // A value each setting accepts (numbers for the numeric ones).
    const sample = (name: string) => (name === 'WALLETD_JOURNAL_SIZE' ? '10' : 'x'.repeat(32))
    for (const name of developmentOnlyEnv) {
      assert.equal(loadConfig({}, { [name]: sample(name) }).profile, 'development')
      assert.throws(
        () => loadConfig({ profile: 'production' }, { [name]: sample(name) }),
        (err: unknown) =>
          err instanceof ConfigError && err.message.startsWith(`${name}: only for the development`),
      )
    }
  })

  it('is frozen', () => {
    const config = loadConfig({}, {})
    assert.ok(Object.isFrozen(config))
  })

  it('is documented: the README configuration table names every environment variable', () => {
    const readme = fs.readFileSync(path.join(repoRoot, 'README.md'), 'utf8')
    const table = readme.slice(readme.indexOf('## Configuration'), readme.indexOf('## Errors'))
    for (const [key, envName] of Object.entries(configEnvNames)) {
      assert.match(
        table,
        new RegExp(`^\\|[^\\n]*\`${envName}\``, 'm'),
        `README documents ${key} (${envName})`,
      )
    }
    assert.match(table, new RegExp(`\`${MASTER_KEY_ENV}\``))
    for (const name of developmentOnlyEnv) assert.match(table, new RegExp(`\`${name}\``))
  })
})
