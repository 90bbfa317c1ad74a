import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'

/**
 * ECIES over secp256k1, the encryption of exported and imported key material:
 *
 *   ephemeral key e, E = e·G (33 bytes compressed)
 *   shared secret   = x-coordinate of e·P (P = the recipient's public key)
 *   content key     = HKDF-SHA256(ikm = shared secret, salt = E, info = `walletd-ecies-v1:<context>`), 32 bytes
 *   ciphertext      = AES-256-GCM(content key, random 12-byte nonce, plaintext, AAD = info)
 *   envelope        = 0x01 ‖ E ‖ nonce ‖ ciphertext ‖ tag(16), sent as base64
 *
 * `context` names the purpose (e.g. `key-export`), so an envelope made for one purpose does not
 * open as another. Any tampering fails the GCM tag.
 */
const VERSION = 1

function contentKey(shared: Uint8Array, ephemeral: Uint8Array, info: string): Buffer {
  return Buffer.from(hkdf(sha256, shared, ephemeral, new TextEncoder().encode(info), 32))
}

export function parseEncryptionKey(text: string): Uint8Array {
  const trimmed = text.trim()
  const bytes = /^(0x)?[0-9a-fA-F]+$/.test(trimmed)
    ? Buffer.from(trimmed.replace(/^0x/, ''), 'hex')
    : Buffer.from(trimmed.replace(/-/g, '+').replace(/_/g, '/'), 'base64')
  // Throws on anything that is not a point on secp256k1 (33- or 65-byte SEC1).
  return secp256k1.Point.fromBytes(bytes).toBytes(true)
}

export function eciesEncrypt(recipientPublicKey: Uint8Array, plaintext: Uint8Array, context: string): string {
  const info = `walletd-ecies-v1:${context}`
  const ephemeralSecret = secp256k1.utils.randomSecretKey()
  const ephemeral = secp256k1.getPublicKey(ephemeralSecret, true)
  const shared = secp256k1.getSharedSecret(ephemeralSecret, recipientPublicKey, true).subarray(1)
  const nonce = randomBytes(12)
  const cipher = createCipheriv('aes-256-gcm', contentKey(shared, ephemeral, info), nonce)
  cipher.setAAD(Buffer.from(info, 'utf8'))
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()])
  ephemeralSecret.fill(0)
  return Buffer.concat([Buffer.from([VERSION]), ephemeral, nonce, body, cipher.getAuthTag()]).toString(
    'base64',
  )
}

export function eciesDecrypt(recipientSecret: Uint8Array, envelope: string, context: string): Uint8Array {
  const info = `walletd-ecies-v1:${context}`
  const raw = Buffer.from(envelope, 'base64')
  if (raw.length < 1 + 33 + 12 + 16 || raw[0] !== VERSION) throw new Error('not a walletd ECIES envelope')
  const ephemeral = raw.subarray(1, 34)
  const nonce = raw.subarray(34, 46)
  const body = raw.subarray(46, raw.length - 16)
  const tag = raw.subarray(raw.length - 16)
  const shared = secp256k1.getSharedSecret(recipientSecret, ephemeral, true).subarray(1)
  const decipher = createDecipheriv('aes-256-gcm', contentKey(shared, ephemeral, info), nonce)
  decipher.setAAD(Buffer.from(info, 'utf8'))
  decipher.setAuthTag(tag)
  return Uint8Array.from(Buffer.concat([decipher.update(body), decipher.final()]))
}
