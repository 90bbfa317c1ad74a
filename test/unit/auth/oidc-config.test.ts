import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ConfigError, loadConfig } from '../../../src/config.ts'
import { parseOidcProviders } from '../../../src/domains/auth/oidc-config.ts'
import { hashCode, newOneTimeCode, sameHash } from '../../../src/domains/auth/services/codes.ts'

describe('WALLETD_OIDC_PROVIDERS', () => {
  const provider = { issuer: 'https://idp.example.com', clientId: 'app', orgId: 'or-1' }

  it('reads providers, with registration off unless asked for', () => {
    assert.deepEqual(parseOidcProviders(JSON.stringify([provider])), [
      { ...provider, clientSecret: undefined, endUserRegistration: false },
    ])
    assert.deepEqual(parseOidcProviders(undefined), [])
    const local = parseOidcProviders(
      JSON.stringify([{ ...provider, issuer: 'http://127.0.0.1:9000', endUserRegistration: true }]),
    )
    assert.equal(local[0]!.endUserRegistration, true)
  })

  it('refuses what would be trusted by mistake, naming it', () => {
    const refusals: [unknown, RegExp][] = [
      [{ ...provider, issuer: 'http://idp.example.com' }, /https/],
      [{ ...provider, clientId: '' }, /clientId/],
      [{ ...provider, orgId: undefined }, /orgId/],
      [{ ...provider, audience: 'x' }, /unknown field "audience"/],
      [{ ...provider, endUserRegistration: 'yes' }, /endUserRegistration/],
    ]
    for (const [entry, message] of refusals) {
      assert.throws(() => parseOidcProviders(JSON.stringify([entry])), message)
    }
    assert.throws(() => parseOidcProviders(JSON.stringify([provider, provider])), /repeat/)
    assert.throws(() => parseOidcProviders('{'), /JSON array/)
    assert.throws(() => loadConfig({}, { WALLETD_OIDC_PROVIDERS: '[1]' }), ConfigError)
  })
})

describe('one-time codes', () => {
  it('are groups of an unambiguous alphabet, hashed independently of case and dashes', () => {
    const code = newOneTimeCode(3)
    assert.match(code, /^[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}$/)
    assert.ok(sameHash(hashCode(code), hashCode(code.toLowerCase().replaceAll('-', ' '))))
    assert.ok(!sameHash(hashCode(code), hashCode(newOneTimeCode(3))))
    assert.ok(!sameHash(hashCode(code), 'ab'), 'a malformed hash never matches')
  })
})
