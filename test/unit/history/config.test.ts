import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ConfigError, loadConfig } from '../../../src/config.ts'

describe('block follower and asset settings', () => {
  it('defaults: one confirmation, a 2 s poll, no listed tokens', () => {
    const config = loadConfig({}, {})
    assert.equal(config.chainConfirmations, 1)
    assert.equal(config.chainPollMs, 2000)
    assert.deepEqual(config.evmTokens, {})
  })

  it('reads the listed tokens per network', () => {
    const a = `0x${'aa'.repeat(20)}`
    const b = `0x${'bb'.repeat(20)}`
    const config = loadConfig({}, { WALLETD_EVM_TOKENS: `EthereumSepolia=${a},${b} Base=${b}` })
    assert.deepEqual(config.evmTokens, { EthereumSepolia: [a, b], Base: [b] })
  })

  it('refuses a malformed setting at start', () => {
    for (const env of [
      { WALLETD_EVM_TOKENS: 'EthereumSepolia' },
      { WALLETD_EVM_TOKENS: 'EthereumSepolia=0x1234' },
      { WALLETD_EVM_TOKENS: `=0x${'aa'.repeat(20)}` },
      { WALLETD_CHAIN_CONFIRMATIONS: '0' },
      { WALLETD_CHAIN_POLL_MS: 'soon' },
    ]) {
      assert.throws(() => loadConfig({}, env), ConfigError, JSON.stringify(env))
    }
  })
})
