import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { seededRandom } from '../../../src/domains/emulator/faults.ts'
import { REDACTED, redactHeaders, redactJson, redactUrl } from '../../../src/domains/emulator/redact.ts'

describe('journal redaction', () => {
  it('hides secrets by field name at any depth, and keeps identifiers and public data', () => {
    const out = redactJson({
      accessToken: 'abc',
      tokenId: 'to-1',
      credId: 'c-1',
      registrationCode: 'R-123',
      webhook: { secret: 'whs-1', url: 'https://x' },
      signature: { r: '0x1', s: '0x2', encoded: '0x3' },
      signedData: '0xdead',
      encryptedKeyShares: [{ signerId: 'sg-1', encryptedKeyShare: 'zz' }],
      credentialInfo: { credId: 'c', clientData: 'd', attestationData: 'e' },
      firstFactor: { kind: 'Key' },
      publicKey: '02abcd',
      address: '0xabc',
      privateKey: '0011',
      items: [{ nested: { password: 'p' } }],
      empty: null,
    }) as Record<string, unknown>
    assert.deepEqual(out, {
      accessToken: REDACTED,
      tokenId: 'to-1',
      credId: 'c-1',
      registrationCode: REDACTED,
      webhook: { secret: REDACTED, url: 'https://x' },
      signature: REDACTED,
      signedData: REDACTED,
      encryptedKeyShares: REDACTED,
      credentialInfo: REDACTED,
      firstFactor: REDACTED,
      publicKey: '02abcd',
      address: '0xabc',
      privateKey: REDACTED,
      items: [{ nested: { password: REDACTED } }],
      empty: null,
    })
  })

  it('hides JWTs, PEM private keys and bearer strings under any name', () => {
    const jwt = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln'
    const pem = '-----BEGIN PRIVATE KEY-----\nMIG\n-----END PRIVATE KEY-----\n'
    assert.deepEqual(redactJson({ note: jwt, other: [pem], h: 'Bearer x' }), {
      note: REDACTED,
      other: [REDACTED],
      h: REDACTED,
    })
    assert.deepEqual(
      redactHeaders({
        authorization: 'Bearer t',
        'x-dfns-useraction': 'u',
        cookie: 'c',
        'content-type': 'a/b',
      }),
      { authorization: REDACTED, 'x-dfns-useraction': REDACTED, cookie: REDACTED, 'content-type': 'a/b' },
    )
    assert.equal(
      redactUrl(`/x?limit=2&code=123&t=${jwt}`),
      `/x?limit=2&code=${encodeURIComponent(REDACTED)}&t=${encodeURIComponent(REDACTED)}`,
    )
  })
})

describe('fault probability', () => {
  it('a seed gives the same draws every time, another seed others', () => {
    const draws = (seed: number) => Array.from({ length: 8 }, seededRandom(seed))
    assert.deepEqual(draws(42), draws(42))
    assert.notDeepEqual(draws(42), draws(43))
    assert.ok(draws(42).every((x) => x >= 0 && x < 1))
  })
})
