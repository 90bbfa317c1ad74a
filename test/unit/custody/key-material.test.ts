import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { format, inspect } from 'node:util'
import { ed25519 } from '@noble/curves/ed25519.js'
import { schnorr, secp256k1 } from '@noble/curves/secp256k1.js'
import * as btc from '@scure/btc-signer'
import {
  generatePrivateKey,
  PrivateKey,
  privateKeySigner,
  publicKeyOf,
  signWithPrivateKey,
  taprootTweakPrivateKey,
} from '../../../src/custody/key-material.ts'
import { signerFromPrivateKey } from '../../../src/custody/key-store.ts'
import { AppError } from '../../../src/errors.ts'

const ECDSA = { scheme: 'ECDSA', curve: 'secp256k1' } as const
const SCHNORR = { scheme: 'Schnorr', curve: 'secp256k1' } as const
const EDDSA = { scheme: 'EdDSA', curve: 'ed25519' } as const

describe('PrivateKey never prints its bytes', () => {
  test('JSON, inspect, String, util.format, error messages and nested objects show a placeholder', () => {
    const bytes = Uint8Array.from({ length: 32 }, (_, i) => i + 0xa0)
    const key = new PrivateKey(bytes)
    const hexBytes = Buffer.from(bytes).toString('hex')
    const renderings = [
      JSON.stringify({ key }),
      inspect(key, { showHidden: true, depth: 5 }),
      inspect({ nested: { key } }, { depth: 10 }),
      String(key),
      `${key}`,
      format('%o %O %j %s', key, key, key, key),
      new Error(`failed with ${key}`).message,
    ]
    for (const text of renderings) {
      assert.ok(!text.includes(hexBytes), text)
      assert.ok(!text.includes('160'), text) // 0xa0 as a decimal byte
      assert.ok(!text.includes(Buffer.from(bytes).toString('base64')), text)
      assert.match(text, /\[PrivateKey\]/)
    }
    assert.deepEqual(key.reveal(), bytes)
    key.wipe()
    assert.deepEqual(key.reveal(), new Uint8Array(32))
  })
})

describe('key generation and signing primitives', () => {
  test('generated keys are distinct, valid, and their public keys agree with noble', () => {
    const seen = new Set<string>()
    for (let i = 0; i < 20; i++) {
      const ec = generatePrivateKey(ECDSA)
      assert.deepEqual(publicKeyOf(ECDSA, ec), secp256k1.getPublicKey(ec.reveal(), true))
      const ed = generatePrivateKey(EDDSA)
      assert.deepEqual(publicKeyOf(EDDSA, ed), ed25519.getPublicKey(ed.reveal()))
      seen.add(Buffer.from(ec.reveal()).toString('hex'))
      seen.add(Buffer.from(ed.reveal()).toString('hex'))
    }
    assert.equal(seen.size, 40)
  })

  test('ECDSA: low-S, recid recovers the key', () => {
    for (let i = 0; i < 30; i++) {
      const key = generatePrivateKey(ECDSA)
      const digest = crypto.getRandomValues(new Uint8Array(32))
      const sig = signWithPrivateKey(ECDSA, key, { kind: 'ecdsa', digest })
      const s = BigInt(`0x${Buffer.from(sig.s).toString('hex')}`)
      assert.ok(s <= secp256k1.Point.Fn.ORDER / 2n)
      const recovered = secp256k1.Signature.fromBytes(Buffer.concat([sig.r, sig.s]), 'compact')
        .addRecoveryBit(sig.recid!)
        .recoverPublicKey(digest)
      assert.deepEqual(recovered.toBytes(true), publicKeyOf(ECDSA, key))
    }
  })

  test('Schnorr: untweaked and BIP-86-tweaked keys match btc-signer’s P2TR output key', () => {
    const key = generatePrivateKey(SCHNORR)
    const message = crypto.getRandomValues(new Uint8Array(32))
    const xOnly = publicKeyOf(SCHNORR, key).subarray(1)
    const plain = signWithPrivateKey(SCHNORR, key, { kind: 'schnorr', message })
    assert.ok(schnorr.verify(Buffer.concat([plain.r, plain.s]), message, xOnly))
    const tweaked = signWithPrivateKey(SCHNORR, key, {
      kind: 'schnorr',
      message,
      taprootMerkleRoot: new Uint8Array(0),
    })
    assert.ok(schnorr.verify(Buffer.concat([tweaked.r, tweaked.s]), message, btc.p2tr(xOnly).tweakedPubkey))
    assert.deepEqual(
      schnorr.getPublicKey(taprootTweakPrivateKey(key.reveal(), new Uint8Array(0))),
      btc.p2tr(xOnly).tweakedPubkey,
    )
  })

  test('EdDSA through node:crypto verifies with noble', () => {
    const key = generatePrivateKey(EDDSA)
    const message = new TextEncoder().encode('hello')
    const sig = signWithPrivateKey(EDDSA, key, { kind: 'eddsa', message })
    assert.ok(ed25519.verify(Buffer.concat([sig.r, sig.s]), message, publicKeyOf(EDDSA, key)))
  })

  test('an operation of another scheme is refused; stark keys are not held', async () => {
    const signer = privateKeySigner(ECDSA, generatePrivateKey(ECDSA))
    await assert.rejects(signer.sign({ kind: 'eddsa', message: new Uint8Array(1) }), /cannot make EdDSA/)
    await assert.rejects(signer.sign({ kind: 'ecdsa', digest: new Uint8Array(31) }), /32 bytes/)
    assert.throws(
      () => signerFromPrivateKey({ scheme: 'ECDSA', curve: 'stark' }, new Uint8Array(32).fill(1)),
      (e: unknown) => e instanceof AppError && e.status === 501,
    )
    assert.throws(() => signerFromPrivateKey(ECDSA, new Uint8Array(32)), /not a valid secp256k1 private key/)
  })
})
