import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { describe, test } from 'node:test'
import { ed25519 } from '@noble/curves/ed25519.js'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { blake2b } from '@noble/hashes/blake2.js'
import { findNetwork } from '../../../src/chains/networks.ts'
import { produceSignature } from '../../../src/chains/signatures.ts'
import { signerFromPrivateKey } from '../../../src/custody/key-store.ts'
import { AppError } from '../../../src/errors.ts'

// Each payload is rebuilt here from the chain's documented signing rule and the signature checked
// with @noble/curves; hashes come from node:crypto or @noble/hashes, never from walletd.

const EDDSA = { scheme: 'EdDSA', curve: 'ed25519' } as const
const ECDSA = { scheme: 'ECDSA', curve: 'secp256k1' } as const
const priv = ed25519.utils.randomSecretKey()
const pub = ed25519.getPublicKey(priv)
const signer = signerFromPrivateKey(EDDSA, priv)
const net = (name: string) => findNetwork(name)!
const hex = (h: string) => Buffer.from(h.replace(/^0x/, ''), 'hex')
const toHex = (b: Uint8Array) => `0x${Buffer.from(b).toString('hex')}`
const sig64 = (s: { encoded: string } | undefined) => hex(s!.encoded)

async function field400(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise
  } catch (err) {
    assert.ok(err instanceof AppError && err.status === 400, String(err))
    return err.details?.field as string
  }
  assert.fail('expected a 400')
}

describe('Algorand', () => {
  // A payment transaction's msgpack map header and a few fields (content is opaque to signing).
  const txn = Buffer.concat([
    Buffer.from([0x84, 0xa3]),
    Buffer.from('amt'),
    Buffer.from([0xcd, 0x03, 0xe8]),
    Buffer.alloc(40, 7),
  ])

  test('Ed25519 over "TX" ‖ txn; SignedTxn msgpack {sig, txn}', async () => {
    for (const input of [txn, Buffer.concat([Buffer.from('TX'), txn])]) {
      const result = await produceSignature({
        network: net('AlgorandTestnet'),
        signer,
        body: { kind: 'Transaction', transaction: toHex(input) },
      })
      const sig = sig64(result.signature)
      assert.ok(ed25519.verify(sig, Buffer.concat([Buffer.from('TX'), txn]), pub))
      const expected = Buffer.concat([
        Buffer.from([0x82, 0xa3]),
        Buffer.from('sig'),
        Buffer.from([0xc4, 0x40]),
        sig,
        Buffer.from([0xa3]),
        Buffer.from('txn'),
        txn,
      ])
      assert.equal(result.signedData, toHex(expected))
    }
    assert.equal(
      await field400(
        produceSignature({
          network: net('Algorand'),
          signer,
          body: { kind: 'Transaction', transaction: '0x0102' },
        }),
      ),
      'transaction',
    )
  })
})

describe('Aptos', () => {
  const rawTxn = Buffer.concat([
    Buffer.alloc(32, 0xab),
    Buffer.alloc(8),
    Buffer.from([2]),
    Buffer.alloc(40, 1),
    Buffer.from([2]),
  ])
  const salt = createHash('sha3-256').update('APTOS::RawTransaction').digest()

  test('Ed25519 over SHA3-256("APTOS::RawTransaction") ‖ raw; SignedTransaction BCS', async () => {
    const result = await produceSignature({
      network: net('Aptos'),
      signer,
      body: { kind: 'Transaction', transaction: toHex(rawTxn) },
    })
    const sig = sig64(result.signature)
    assert.ok(ed25519.verify(sig, Buffer.concat([salt, rawTxn]), pub))
    assert.equal(
      result.signedData,
      toHex(Buffer.concat([rawTxn, Buffer.from([0, 32]), pub, Buffer.from([64]), sig])),
    )
    const viaSigningMessage = await produceSignature({
      network: net('AptosTestnet'),
      signer,
      body: { kind: 'Transaction', transaction: toHex(Buffer.concat([salt, rawTxn])) },
    })
    assert.ok(ed25519.verify(sig64(viaSigningMessage.signature), Buffer.concat([salt, rawTxn]), pub))
    assert.equal(
      await field400(
        produceSignature({
          network: net('Aptos'),
          signer,
          body: { kind: 'Transaction', transaction: '0xabcd' },
        }),
      ),
      'transaction',
    )
  })
})

describe('Stellar', () => {
  const tx = Buffer.concat([
    Buffer.from([0, 0, 0, 0]),
    Buffer.alloc(32, 5),
    Buffer.alloc(60, 9),
    Buffer.from([0, 0, 0, 0]),
  ])
  const envelope = (sigs: Buffer[]) =>
    Buffer.concat([Buffer.from([0, 0, 0, 2]), tx, Buffer.from([0, 0, 0, sigs.length]), ...sigs])
  const payload = (passphrase: string) =>
    createHash('sha256')
      .update(
        Buffer.concat([createHash('sha256').update(passphrase).digest(), Buffer.from([0, 0, 0, 2]), tx]),
      )
      .digest()

  test('Ed25519 over the network-bound payload; the decorated signature is appended', async () => {
    const result = await produceSignature({
      network: net('StellarTestnet'),
      signer,
      body: { kind: 'Transaction', transaction: toHex(envelope([])) },
    })
    const sig = sig64(result.signature)
    assert.ok(ed25519.verify(sig, payload('Test SDF Network ; September 2015'), pub))
    const decorated = Buffer.concat([Buffer.from(pub.subarray(28)), Buffer.from([0, 0, 0, 64]), sig])
    assert.equal(result.signedData, toHex(envelope([decorated])))

    // A second signer on top of an existing signature, on mainnet's passphrase.
    const other = Buffer.concat([Buffer.alloc(4, 1), Buffer.from([0, 0, 0, 64]), Buffer.alloc(64, 2)])
    const second = await produceSignature({
      network: net('Stellar'),
      signer,
      body: { kind: 'Transaction', transaction: toHex(envelope([other])) },
    })
    const sig2 = sig64(second.signature)
    assert.ok(ed25519.verify(sig2, payload('Public Global Stellar Network ; September 2015'), pub))
    assert.equal(
      second.signedData,
      toHex(
        envelope([other, Buffer.concat([Buffer.from(pub.subarray(28)), Buffer.from([0, 0, 0, 64]), sig2])]),
      ),
    )
    assert.equal(
      await field400(
        produceSignature({
          network: net('Stellar'),
          signer,
          body: { kind: 'Transaction', transaction: toHex(tx) },
        }),
      ),
      'transaction',
    )
  })
})

describe('Sui', () => {
  test('Ed25519 over BLAKE2b-256(intent 000000 ‖ TransactionData)', async () => {
    const txData = Buffer.alloc(80, 3)
    const result = await produceSignature({
      network: net('Sui'),
      signer,
      body: { kind: 'Transaction', transaction: toHex(txData) },
    })
    const digest = blake2b(Buffer.concat([Buffer.from([0, 0, 0]), txData]), { dkLen: 32 })
    assert.ok(ed25519.verify(sig64(result.signature), digest, pub))
    assert.equal(result.signedData, undefined)
  })
})

describe('Tezos', () => {
  const forged = Buffer.concat([Buffer.alloc(32, 0x11), Buffer.from([0x6c]), Buffer.alloc(50, 4)])
  const digest = blake2b(Buffer.concat([Buffer.from([3]), forged]), { dkLen: 32 })

  test('tz1: Ed25519 over BLAKE2b-256(0x03 ‖ bytes); signedData = bytes ‖ signature', async () => {
    const result = await produceSignature({
      network: net('TezosGhostnet'),
      signer,
      body: { kind: 'Transaction', transaction: toHex(forged) },
    })
    const sig = sig64(result.signature)
    assert.ok(ed25519.verify(sig, digest, pub))
    assert.equal(result.signedData, toHex(Buffer.concat([forged, sig])))
  })

  test('tz2: secp256k1 ECDSA over the same digest, r‖s', async () => {
    const ecPriv = secp256k1.utils.randomSecretKey()
    const ecSigner = signerFromPrivateKey(ECDSA, ecPriv)
    const result = await produceSignature({
      network: net('Tezos'),
      signer: ecSigner,
      body: { kind: 'Transaction', transaction: toHex(forged) },
    })
    const sig = sig64(result.signature)
    assert.equal(sig.length, 64)
    assert.ok(secp256k1.verify(sig, digest, ecSigner.publicKey, { prehash: false }))
    // Message with a tz2 key: ECDSA over BLAKE2b-256 of the bytes.
    const message = Buffer.from('tezos message')
    const msg = await produceSignature({
      network: net('Tezos'),
      signer: ecSigner,
      body: { kind: 'Message', message: toHex(message) },
    })
    assert.ok(
      secp256k1.verify(sig64(msg.signature), blake2b(message, { dkLen: 32 }), ecSigner.publicKey, {
        prehash: false,
      }),
    )
  })
})

describe('NEAR', () => {
  test('Ed25519 over SHA-256(Borsh Transaction); SignedTransaction = tx ‖ 0 ‖ signature', async () => {
    const signerId = Buffer.from('alice.testnet')
    const tx = Buffer.concat([
      Buffer.from([signerId.length, 0, 0, 0]),
      signerId,
      Buffer.from([0]),
      Buffer.from(pub),
      Buffer.alloc(8, 1),
      Buffer.from([8, 0, 0, 0]),
      Buffer.from('bob.near'),
      Buffer.alloc(32, 2),
      Buffer.from([0, 0, 0, 0]),
    ])
    const result = await produceSignature({
      network: net('NearTestnet'),
      signer,
      body: { kind: 'Transaction', transaction: toHex(tx) },
    })
    const sig = sig64(result.signature)
    assert.ok(ed25519.verify(sig, createHash('sha256').update(tx).digest(), pub))
    assert.equal(result.signedData, toHex(Buffer.concat([tx, Buffer.from([0]), sig])))
  })
})

describe('XRPL', () => {
  const ecPriv = secp256k1.utils.randomSecretKey()
  const ecSigner = signerFromPrivateKey(ECDSA, ecPriv)
  const account = Buffer.alloc(20, 0x11)
  const destination = Buffer.alloc(20, 0x22)
  // A Payment in canonical field order, hand-assembled from the serialization spec.
  const fields = {
    transactionType: Buffer.from('120000', 'hex'), // UInt16 TransactionType = Payment (0)
    flags: Buffer.from('2280000000', 'hex'), // UInt32 Flags
    sequence: Buffer.from('2400000001', 'hex'), // UInt32 Sequence
    amount: Buffer.from('6140000000000f4240', 'hex'), // Amount = 1,000,000 drops
    fee: Buffer.from('68400000000000000c', 'hex'), // Fee = 12 drops
    memos: Buffer.from('f9ea7d0474657374e1f1', 'hex'), // Memos [ { Memo { MemoData "test" } } ]
    account: Buffer.concat([Buffer.from('8114', 'hex'), account]),
    destination: Buffer.concat([Buffer.from('8314', 'hex'), destination]),
  }
  const signingPubKey = Buffer.concat([Buffer.from([0x73, 33]), Buffer.from(ecSigner.publicKey)])

  test('SHA-512Half over STX\\0 ‖ fields with our SigningPubKey; TxnSignature (DER) inserted in order', async () => {
    const unsigned = Buffer.concat([
      fields.transactionType,
      fields.flags,
      fields.sequence,
      fields.amount,
      fields.fee,
      fields.account,
      fields.destination,
      fields.memos,
    ])
    const result = await produceSignature({
      network: net('XrpLedgerTestnet'),
      signer: ecSigner,
      body: { kind: 'Transaction', transaction: toHex(unsigned) },
    })
    const der = hex(result.signature!.encoded)
    assert.equal(der[0], 0x30)
    const withKey = Buffer.concat([
      fields.transactionType,
      fields.flags,
      fields.sequence,
      fields.amount,
      fields.fee,
      signingPubKey,
      fields.account,
      fields.destination,
      fields.memos,
    ])
    const digest = createHash('sha512')
      .update(Buffer.concat([Buffer.from('53545800', 'hex'), withKey]))
      .digest()
      .subarray(0, 32)
    assert.ok(secp256k1.verify(der, digest, ecSigner.publicKey, { prehash: false, format: 'der' }))
    const expected = Buffer.concat([
      fields.transactionType,
      fields.flags,
      fields.sequence,
      fields.amount,
      fields.fee,
      signingPubKey,
      Buffer.from([0x74, der.length]),
      der,
      fields.account,
      fields.destination,
      fields.memos,
    ])
    assert.equal(result.signedData, toHex(expected))
  })

  test('another SigningPubKey, a missing TransactionType, or an unparsable blob is a 400', async () => {
    const otherKey = Buffer.concat([
      Buffer.from([0x73, 33]),
      Buffer.from(secp256k1.getPublicKey(secp256k1.utils.randomSecretKey(), true)),
    ])
    const bodies = [
      Buffer.concat([fields.transactionType, otherKey, fields.account]),
      Buffer.concat([fields.flags, fields.account]),
      Buffer.from('12000061', 'hex'),
    ]
    for (const tx of bodies) {
      assert.equal(
        await field400(
          produceSignature({
            network: net('XrpLedger'),
            signer: ecSigner,
            body: { kind: 'Transaction', transaction: toHex(tx) },
          }),
        ),
        'transaction',
      )
    }
  })
})
