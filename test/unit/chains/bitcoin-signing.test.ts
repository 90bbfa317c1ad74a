import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { schnorr, secp256k1 } from '@noble/curves/secp256k1.js'
import * as btc from '@scure/btc-signer'
import { findNetwork } from '../../../src/chains/networks.ts'
import { produceSignature } from '../../../src/chains/signatures.ts'
import { signerFromPrivateKey } from '../../../src/custody/key-store.ts'
import type { SignOperation } from '../../../src/custody/key-types.ts'
import { AppError } from '../../../src/errors.ts'

const ECDSA = { scheme: 'ECDSA', curve: 'secp256k1' } as const
const SCHNORR = { scheme: 'Schnorr', curve: 'secp256k1' } as const
const bitcoin = findNetwork('Bitcoin')!
const testnet4 = findNetwork('BitcoinTestnet4')!
const hex = (h: string) => Uint8Array.from(Buffer.from(h.replace(/^0x/, ''), 'hex'))
const toHex = (b: Uint8Array) => `0x${Buffer.from(b).toString('hex')}`
const randomTxid = () => Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('hex')

describe('PSBT signing, finalized and checked with @scure/btc-signer', () => {
  test('P2WPKH: our input signed, the other signer adds theirs, btc-signer finalizes and extracts', async () => {
    const ourPriv = secp256k1.utils.randomSecretKey()
    const signer = signerFromPrivateKey(ECDSA, ourPriv)
    const theirPriv = secp256k1.utils.randomSecretKey()
    const ours = btc.p2wpkh(signer.publicKey, btc.TEST_NETWORK)
    const theirs = btc.p2wpkh(secp256k1.getPublicKey(theirPriv, true), btc.TEST_NETWORK)

    const tx = new btc.Transaction()
    tx.addInput({ txid: randomTxid(), index: 0, witnessUtxo: { script: ours.script, amount: 60_000n } })
    tx.addInput({ txid: randomTxid(), index: 1, witnessUtxo: { script: theirs.script, amount: 50_000n } })
    tx.addInput({ txid: randomTxid(), index: 2, witnessUtxo: { script: ours.script, amount: 10_000n } })
    tx.addOutputAddress(theirs.address!, 110_000n, btc.TEST_NETWORK)
    const result = await produceSignature({
      network: testnet4,
      signer,
      body: { kind: 'Psbt', psbt: toHex(tx.toPSBT()) },
    })
    assert.equal(result.signatures?.length, 2)
    assert.deepEqual(result.signature, result.signatures?.[0])

    const signed = btc.Transaction.fromPSBT(hex(result.signedData!))
    // Each signature verifies over the BIP-143 sighash btc-signer computes for that input.
    for (const [i, idx] of [0, 2].entries()) {
      const scriptCode = btc.p2pkh(signer.publicKey).script
      const amount = signed.getInput(idx).witnessUtxo!.amount
      const digest = signed.preimageWitnessV0(idx, scriptCode, btc.SigHash.ALL, amount)
      const [pub, sig] = signed.getInput(idx).partialSig![0]!
      assert.deepEqual(pub, signer.publicKey)
      assert.equal(sig[sig.length - 1], btc.SigHash.ALL)
      assert.ok(
        secp256k1.verify(sig.subarray(0, -1), digest, signer.publicKey, { prehash: false, format: 'der' }),
      )
      assert.equal(toHex(sig.subarray(0, -1)), result.signatures![i]!.encoded)
    }
    assert.equal(signed.getInput(1).partialSig, undefined)

    signed.signIdx(theirPriv, 1)
    signed.finalize()
    const raw = signed.extract()
    assert.ok(raw.length > 0)
    // The same transaction signed entirely by btc-signer (RFC 6979 is deterministic) is byte-identical.
    const reference = btc.Transaction.fromPSBT(tx.toPSBT())
    reference.signIdx(ourPriv, 0)
    reference.signIdx(theirPriv, 1)
    reference.signIdx(ourPriv, 2)
    reference.finalize()
    assert.equal(Buffer.from(raw).toString('hex'), Buffer.from(reference.extract()).toString('hex'))
  })

  test('P2TR key path: tapKeySig verifies against the BIP-86 output key; finalizes and extracts', async () => {
    const signer = signerFromPrivateKey(SCHNORR, secp256k1.utils.randomSecretKey())
    const ours = btc.p2tr(signer.publicKey.subarray(1))
    const tx = new btc.Transaction()
    tx.addInput({ txid: randomTxid(), index: 0, witnessUtxo: { script: ours.script, amount: 80_000n } })
    tx.addInput({ txid: randomTxid(), index: 3, witnessUtxo: { script: ours.script, amount: 20_000n } })
    tx.addOutputAddress(ours.address!, 99_000n)
    const result = await produceSignature({
      network: bitcoin,
      signer,
      body: { kind: 'Psbt', psbt: toHex(tx.toPSBT()) },
    })
    assert.equal(result.signatures?.length, 2)
    const signed = btc.Transaction.fromPSBT(hex(result.signedData!))
    const scripts = [0, 1].map((i) => signed.getInput(i).witnessUtxo!.script)
    const amounts = [0, 1].map((i) => signed.getInput(i).witnessUtxo!.amount)
    for (const idx of [0, 1]) {
      const sighash = signed.preimageWitnessV1(idx, scripts, btc.SigHash.DEFAULT, amounts)
      assert.ok(schnorr.verify(signed.getInput(idx).tapKeySig!, sighash, ours.tweakedPubkey))
    }
    signed.finalize()
    assert.ok(signed.extract().length > 0)
  })

  test('a PSBT with no input of ours, or not a PSBT, is a 400 on the psbt field', async () => {
    const signer = signerFromPrivateKey(ECDSA, secp256k1.utils.randomSecretKey())
    const stranger = btc.p2wpkh(secp256k1.getPublicKey(secp256k1.utils.randomSecretKey(), true))
    const tx = new btc.Transaction()
    tx.addInput({ txid: randomTxid(), index: 0, witnessUtxo: { script: stranger.script, amount: 1000n } })
    tx.addOutputAddress(stranger.address!, 500n)
    for (const psbt of [toHex(tx.toPSBT()), '0x70736274ff00', 'not hex']) {
      await assert.rejects(
        produceSignature({ network: bitcoin, signer, body: { kind: 'Psbt', psbt } }),
        (e: unknown) => e instanceof AppError && e.status === 400 && e.details?.field === 'psbt',
      )
    }
  })
})

describe('BIP-322 simple signatures', () => {
  // The BIP-322 specification's test vectors: this key, address bc1q9vza2e8x573nczrlzms0wvx3gsqjx7vavgkx0l.
  const priv = btc.WIF().decode('L3VFeEujGtevx9w18HD1fhRbCH67Az2dpCymeRE1SoPK6XQtaN2k')
  const signer = signerFromPrivateKey(ECDSA, priv)
  const vectors = [
    [
      '',
      'AkcwRAIgM2gBAQqvZX15ZiysmKmQpDrG83avLIT492QBzLnQIxYCIBaTpOaD20qRlEylyxFSeEA2ba9YOixpX8z46TSDtS40ASECx/EgAxlkQpQ9hYjgGu6EBCPMVPwVIVJqO4XCsMvViHI=',
    ],
    [
      'Hello World',
      'AkcwRAIgZRfIY3p7/DoVTty6YZbWS71bc5Vct9p9Fia83eRmw2QCICK/ENGfwLtptFluMGs2KsqoNSk89pO7F29zJLUx9a/sASECx/EgAxlkQpQ9hYjgGu6EBCPMVPwVIVJqO4XCsMvViHI=',
    ],
  ] as const

  test('the specification vectors: the spec signature verifies over the digest walletd signs', async () => {
    assert.equal(btc.p2wpkh(signer.publicKey).address, 'bc1q9vza2e8x573nczrlzms0wvx3gsqjx7vavgkx0l')
    for (const [message, expected] of vectors) {
      // Observe the digest walletd asks the key to sign (the BIP-322 to_sign sighash).
      const digests: Uint8Array[] = []
      const observing = {
        ...signer,
        sign: (op: SignOperation) => {
          if (op.kind === 'ecdsa') digests.push(op.digest)
          return signer.sign(op)
        },
      }
      const result = await produceSignature({
        network: bitcoin,
        signer: observing,
        body: { kind: 'Bip322', message: toHex(new TextEncoder().encode(message)), format: 'Simple' },
      })
      assert.equal(digests.length, 1)
      // The spec's witness: [DER sig ‖ sighash type, pubkey]. Its signature must verify over our
      // digest, which proves to_spend/to_sign/sighash are built exactly as BIP-322 says. (The bytes
      // differ from ours only because Bitcoin Core grinds for a low R; ours is plain RFC 6979.)
      const spec = Buffer.from(expected, 'base64')
      const specSig = spec.subarray(2, 2 + spec[1]! - 1)
      assert.ok(secp256k1.verify(specSig, digests[0]!, signer.publicKey, { prehash: false, format: 'der' }))
      // And ours has the same shape: two items, our DER signature with SIGHASH_ALL, our key.
      const ours = hex(result.signedData!)
      assert.equal(ours[0], 2)
      const ourSig = ours.subarray(2, 2 + ours[1]! - 1)
      assert.equal(ours[2 + ours[1]! - 1], btc.SigHash.ALL)
      assert.ok(secp256k1.verify(ourSig, digests[0]!, signer.publicKey, { prehash: false, format: 'der' }))
      assert.deepEqual(ours.subarray(ours.length - 33), signer.publicKey)
      assert.deepEqual(ours.subarray(ours.length - 34, ours.length - 33), Uint8Array.of(33))
    }
  })

  test('Taproot: a one-item witness with a Schnorr signature; Full format refused', async () => {
    const taproot = signerFromPrivateKey(SCHNORR, secp256k1.utils.randomSecretKey())
    const result = await produceSignature({
      network: bitcoin,
      signer: taproot,
      body: { kind: 'Bip322', message: toHex(new TextEncoder().encode('Hello World')) },
    })
    const witness = hex(result.signedData!)
    assert.equal(witness[0], 1)
    assert.equal(witness[1], 64)
    assert.deepEqual(witness.subarray(2), hex(result.signature!.encoded))
    await assert.rejects(
      produceSignature({
        network: bitcoin,
        signer,
        body: { kind: 'Bip322', message: '0x00', format: 'Full' },
      }),
      (e: unknown) => e instanceof AppError && e.details?.field === 'format',
    )
  })
})
