import assert from 'node:assert/strict'
import { createDecipheriv, createECDH, hkdfSync } from 'node:crypto'
import { describe, test } from 'node:test'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { eciesDecrypt, eciesEncrypt, parseEncryptionKey } from '../../../src/custody/ecies.ts'

/** The documented construction, implemented here with node:crypto only. */
function independentDecrypt(secret: Uint8Array, envelope: string, context: string): Buffer {
  const raw = Buffer.from(envelope, 'base64')
  assert.equal(raw[0], 1)
  const ephemeral = raw.subarray(1, 34)
  const nonce = raw.subarray(34, 46)
  const tag = raw.subarray(raw.length - 16)
  const ecdh = createECDH('secp256k1')
  ecdh.setPrivateKey(Buffer.from(secret))
  const shared = ecdh.computeSecret(ephemeral)
  const info = `walletd-ecies-v1:${context}`
  const key = Buffer.from(hkdfSync('sha256', shared, ephemeral, Buffer.from(info), 32))
  const decipher = createDecipheriv('aes-256-gcm', key, nonce)
  decipher.setAAD(Buffer.from(info))
  decipher.setAuthTag(tag)
  return Buffer.concat([decipher.update(raw.subarray(46, raw.length - 16)), decipher.final()])
}

describe('ECIES envelopes', () => {
  const secret = secp256k1.utils.randomSecretKey()
  const publicKey = secp256k1.getPublicKey(secret, true)
  const plaintext = crypto.getRandomValues(new Uint8Array(32))

  test('round trip, and node:crypto decrypts by the documented construction', () => {
    const envelope = eciesEncrypt(publicKey, plaintext, 'key-export')
    assert.deepEqual(eciesDecrypt(secret, envelope, 'key-export'), plaintext)
    assert.deepEqual(new Uint8Array(independentDecrypt(secret, envelope, 'key-export')), plaintext)
    assert.ok(!Buffer.from(envelope, 'base64').includes(Buffer.from(plaintext)))
  })

  test('wrong recipient, wrong context, or a flipped bit fail', () => {
    const envelope = eciesEncrypt(publicKey, plaintext, 'key-export')
    assert.throws(() => eciesDecrypt(secp256k1.utils.randomSecretKey(), envelope, 'key-export'))
    assert.throws(() => eciesDecrypt(secret, envelope, 'key-import'))
    const raw = Buffer.from(envelope, 'base64')
    raw[50] = raw[50]! ^ 1
    assert.throws(() => eciesDecrypt(secret, raw.toString('base64'), 'key-export'))
  })

  test('encryption keys: compressed or uncompressed, hex or base64; garbage refused', () => {
    assert.deepEqual(parseEncryptionKey(Buffer.from(publicKey).toString('hex')), publicKey)
    assert.deepEqual(
      parseEncryptionKey(`0x${Buffer.from(secp256k1.getPublicKey(secret, false)).toString('hex')}`),
      publicKey,
    )
    assert.deepEqual(parseEncryptionKey(Buffer.from(publicKey).toString('base64')), publicKey)
    assert.throws(() => parseEncryptionKey('00'.repeat(33)))
    assert.throws(() => parseEncryptionKey('hello'))
  })
})
