import assert from 'node:assert/strict'
import { createPublicKey, generateKeyPairSync, type KeyObject, sign } from 'node:crypto'
import { describe, it } from 'node:test'
import type { Credential } from '../../../src/domains/auth/model.ts'
import {
  parsePublicKey,
  verifyFido2Assertion,
  verifyFido2Attestation,
  verifyKeyAssertion,
  verifyKeyAttestation,
  verifyKeySignature,
} from '../../../src/domains/auth/services/credential-verifier.ts'
import { AppError } from '../../../src/errors.ts'
import { KeyCredentialSigner, type KeyKind, newKey, SoftwarePasskey } from '../../helpers/sdk.ts'

const data = Buffer.from('{"type":"key.get","challenge":"abc"}')
const kinds: KeyKind[] = ['p256', 'secp256k1', 'p384', 'ed25519', 'rsa']
const rejectsWith = (status: number, message?: RegExp) => (err: unknown) =>
  err instanceof AppError && err.status === status && (message === undefined || message.test(err.message))

function credentialFor(publicKey: string, credId = 'cred-1', kind: Credential['kind'] = 'Key'): Credential {
  return {
    uuid: 'cr-1',
    orgId: 'or-1',
    userId: 'us-1',
    tokenId: null,
    kind,
    credId,
    name: 'k',
    publicKey,
    encryptedPrivateKey: null,
    relyingPartyId: 'localhost',
    origin: '',
    signCount: 0,
    isActive: true,
    dateCreated: '2026-01-01T00:00:00.000Z',
  }
}

describe('key signatures (what @dfns/sdk-keysigner produces)', () => {
  for (const kind of kinds) {
    it(`${kind}: the keysigner's default signature verifies, a changed message does not`, () => {
      const key = newKey(kind)
      const publicKey = createPublicKey(key.publicKey)
      const signature = sign(undefined, data, key.privateKey) // what AsymmetricKeySigner does
      assert.equal(verifyKeySignature(publicKey, data, signature), true)
      assert.equal(verifyKeySignature(publicKey, Buffer.from(`${data} `), signature), false)
    })
  }

  for (const [kind, size] of [
    ['p256', 64],
    ['secp256k1', 64],
    ['p384', 96],
  ] as const) {
    it(`${kind}: raw r‖s (WebCrypto) is accepted as well as DER`, () => {
      const key = newKey(kind)
      const raw = sign('sha256', data, { key: key.privateKey, dsaEncoding: 'ieee-p1363' })
      assert.equal(raw.length, size)
      assert.equal(verifyKeySignature(createPublicKey(key.publicKey), data, raw), true)
    })
  }

  it('RSA keys may be sent as PKCS#1 PEM; RSA-PSS signatures are refused', () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const pkcs1 = publicKey.export({ type: 'pkcs1', format: 'pem' }).toString()
    assert.match(pkcs1, /BEGIN RSA PUBLIC KEY/)
    const parsed: KeyObject = parsePublicKey(pkcs1)
    assert.equal(verifyKeySignature(parsed, data, sign('sha256', data, privateKey)), true)
    const pss = sign('sha256', data, { key: privateKey, padding: 6 /* RSA_PKCS1_PSS_PADDING */ })
    assert.equal(verifyKeySignature(parsed, data, pss), false)
  })

  it('honours the optional algorithm field; an unknown one never verifies', () => {
    const key = newKey('p256')
    const publicKey = createPublicKey(key.publicKey)
    const sha512 = sign('sha512', data, key.privateKey)
    assert.equal(verifyKeySignature(publicKey, data, sha512, 'SHA512'), true)
    assert.equal(verifyKeySignature(publicKey, data, sha512), false)
    assert.equal(verifyKeySignature(publicKey, data, sign('sha256', data, key.privateKey), 'MD5'), false)
  })

  it('refuses keys it cannot check: short RSA, Ed448, P-521, garbage', () => {
    const weak = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({
      type: 'spki',
      format: 'pem',
    })
    const ed448 = generateKeyPairSync('ed448').publicKey.export({ type: 'spki', format: 'pem' })
    const p521 = generateKeyPairSync('ec', { namedCurve: 'secp521r1' }).publicKey.export({
      type: 'spki',
      format: 'pem',
    })
    for (const pem of [weak, ed448, p521, 'not a key']) {
      assert.throws(() => parsePublicKey(pem.toString()), rejectsWith(400))
    }
  })

  it('malformed signatures are simply invalid', () => {
    const publicKey = createPublicKey(newKey('p256').publicKey)
    for (const bad of [
      Buffer.alloc(0),
      Buffer.from([0x30, 0x02, 0x01]),
      Buffer.alloc(64, 0xff),
      Buffer.alloc(300),
    ]) {
      assert.equal(verifyKeySignature(publicKey, data, bad), false)
    }
  })
})

describe('Key assertions and attestations', () => {
  it('clientData is parsed, not rebuilt: extra fields and another key order still verify', async () => {
    const signer = new KeyCredentialSigner(newKey('p256'))
    const clientData = Buffer.from(
      JSON.stringify({
        origin: 'https://app.example',
        challenge: 'ch-1',
        type: 'key.get',
        crossOrigin: false,
      }),
    )
    const assertion = {
      clientData: clientData.toString('base64url'),
      signature: sign('sha256', clientData, signer.key.privateKey).toString('base64url'),
    }
    const credential = credentialFor(signer.key.publicKey, signer.credId)
    verifyKeyAssertion(credential, assertion, 'ch-1')
    assert.throws(() => verifyKeyAssertion(credential, assertion, 'ch-2'), rejectsWith(401, /challenge/))
    const wrongType = Buffer.from(JSON.stringify({ type: 'key.create', challenge: 'ch-1' }))
    assert.throws(
      () =>
        verifyKeyAssertion(
          credential,
          {
            clientData: wrongType.toString('base64url'),
            signature: sign('sha256', wrongType, signer.key.privateKey).toString('base64url'),
          },
          'ch-1',
        ),
      rejectsWith(401, /key\.get/),
    )
    assert.throws(
      () => verifyKeyAssertion(credential, { ...assertion, clientData: 'bm90IGpzb24' }, 'ch-1'),
      rejectsWith(401),
    )
  })

  for (const kind of kinds) {
    it(`${kind}: a Key attestation verifies and yields the key`, async () => {
      const signer = new KeyCredentialSigner(newKey(kind))
      const { credentialInfo } = await signer.create({ challenge: 'reg-challenge' })
      assert.equal(verifyKeyAttestation(credentialInfo, 'reg-challenge').publicKey, signer.key.publicKey)
      assert.throws(() => verifyKeyAttestation(credentialInfo, 'other'), rejectsWith(401))
    })
  }

  it('an attestation signed by another key than the one it names is refused', async () => {
    const honest = new KeyCredentialSigner(newKey('p256'))
    const { credentialInfo } = await honest.create({ challenge: 'c' })
    const attestation = JSON.parse(Buffer.from(credentialInfo.attestationData, 'base64url').toString())
    attestation.publicKey = newKey('p256').publicKey
    const swapped = {
      ...credentialInfo,
      attestationData: Buffer.from(JSON.stringify(attestation)).toString('base64url'),
    }
    assert.throws(() => verifyKeyAttestation(swapped, 'c'), rejectsWith(401, /does not verify/))
  })
})

describe('Fido2 (passkeys) through @simplewebauthn/server', () => {
  const rp = { id: 'localhost' }

  it('registers a passkey and verifies its assertions, refusing a replayed counter and another origin', async () => {
    const passkey = new SoftwarePasskey(rp.id, 'http://localhost:3000')
    const registered = await verifyFido2Attestation(passkey.attest('cmVnaXN0ZXI'), 'cmVnaXN0ZXI', rp)
    assert.equal(registered.origin, 'http://localhost:3000')
    const credential = {
      ...credentialFor(registered.publicKey, passkey.credId, 'Fido2'),
      signCount: registered.signCount,
    }
    const { newSignCount } = await verifyFido2Assertion(
      credential,
      passkey.assert('bG9naW4', 1),
      'bG9naW4',
      rp,
    )
    assert.equal(newSignCount, 1)
    await assert.rejects(
      verifyFido2Assertion({ ...credential, signCount: 5 }, passkey.assert('bG9naW4', 1), 'bG9naW4', rp),
      rejectsWith(401),
    )
    await assert.rejects(
      verifyFido2Assertion(credential, passkey.assert('bG9naW4', 2), 'b3RoZXI', rp),
      rejectsWith(401),
    )
    await assert.rejects(
      verifyFido2Attestation(passkey.attest('cmVnaXN0ZXI'), 'cmVnaXN0ZXI', { id: 'example.com' }),
      rejectsWith(401, /origin/),
    )
  })
})
