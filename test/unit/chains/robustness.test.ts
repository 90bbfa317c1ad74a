import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { ed25519 } from '@noble/curves/ed25519.js'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import * as btc from '@scure/btc-signer'
import fc from 'fast-check'
import { serializeTransaction } from 'viem'
import { validateAddress } from '../../../src/chains/addresses.ts'
import { findNetwork, networks } from '../../../src/chains/networks.ts'
import { produceSignature } from '../../../src/chains/signatures.ts'
import { signerFromPrivateKey } from '../../../src/custody/key-store.ts'
import { AppError } from '../../../src/errors.ts'

// Whatever a client sends, the chain layer answers with a 400 (or 501 for what walletd does not
// do), never with a stray TypeError that would surface as a 500.

const clientError = (err: unknown) => err instanceof AppError && (err.status === 400 || err.status === 501)

const addressLike = fc.oneof(
  fc.string({ maxLength: 140 }),
  fc.stringMatching(/^(0x)?[0-9a-fA-F]{0,70}$/),
  fc.stringMatching(/^[1-9A-HJ-NP-Za-km-z]{20,60}$/),
  fc.stringMatching(/^(bc|tb|ltc|cosmos|sei|bbn|kaspa|bitcoincash)[1:][02-9ac-hj-np-z]{6,80}$/),
  fc.constantFrom(null, 42, {}, [], undefined),
)

describe('no input makes the chain layer throw anything but a client error', () => {
  test('validateAddress on every network', () => {
    fc.assert(
      fc.property(fc.constantFrom(...networks), addressLike, (network, address) => {
        try {
          const normalized = validateAddress(network, address, 'to')
          assert.equal(typeof normalized, 'string')
        } catch (err) {
          assert.ok(clientError(err), `${network.name} ${JSON.stringify(address)}: ${err}`)
        }
      }),
      { numRuns: 3000 },
    )
  })

  test('produceSignature with arbitrary bodies on every network', async () => {
    const secp = signerFromPrivateKey(
      { scheme: 'ECDSA', curve: 'secp256k1' },
      secp256k1.utils.randomSecretKey(),
    )
    const schnorr = signerFromPrivateKey(
      { scheme: 'Schnorr', curve: 'secp256k1' },
      secp256k1.utils.randomSecretKey(),
    )
    const ed = signerFromPrivateKey({ scheme: 'EdDSA', curve: 'ed25519' }, ed25519.utils.randomSecretKey())
    const value = fc.oneof(
      fc.string({ maxLength: 80 }),
      fc.stringMatching(/^0x([0-9a-f]{2}){0,80}$/),
      fc.integer(),
      fc.constantFrom(null, undefined, {}, [], ''),
      fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), { maxKeys: 3 }),
    )
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...networks.filter((n) => n.keyTypes.some((k) => k.curve !== 'stark'))),
        fc.constantFrom(
          'Hash',
          'Message',
          'Transaction',
          'Eip191',
          'Eip712',
          'Eip7702',
          'Psbt',
          'Bip322',
          'SignDocDirect',
          'Bogus',
        ),
        fc.record({
          hash: value,
          message: value,
          transaction: value,
          psbt: value,
          signDoc: value,
          types: value,
          domain: value,
          address: value,
          nonce: value,
          chainId: value,
          taprootMerkleRoot: value,
          format: value,
        }),
        async (network, kind, fields) => {
          const keyType = network.keyTypes.find((k) => k.curve !== 'stark')!
          const signer = keyType.curve === 'ed25519' ? ed : keyType.scheme === 'Schnorr' ? schnorr : secp
          try {
            await produceSignature({ network, signer, body: { kind, ...fields } })
          } catch (err) {
            assert.ok(clientError(err), `${network.name} ${kind}: ${err}`)
          }
        },
      ),
      { numRuns: 1500 },
    )
  })
})

describe('corrupted versions of valid payloads are signed or refused with a 400, never a 500', () => {
  const secp = signerFromPrivateKey(
    { scheme: 'ECDSA', curve: 'secp256k1' },
    secp256k1.utils.randomSecretKey(),
  )
  const ed = signerFromPrivateKey({ scheme: 'EdDSA', curve: 'ed25519' }, ed25519.utils.randomSecretKey())
  const hex = (b: Uint8Array) => `0x${Buffer.from(b).toString('hex')}`

  const psbt = (() => {
    const tx = new btc.Transaction()
    const own = btc.p2wpkh(secp.publicKey)
    tx.addInput({ txid: '11'.repeat(32), index: 0, witnessUtxo: { script: own.script, amount: 10_000n } })
    tx.addOutputAddress(own.address!, 9_000n)
    return tx.toPSBT()
  })()
  const solanaMessage = Uint8Array.from([
    1,
    0,
    1,
    2,
    ...ed.publicKey,
    ...new Uint8Array(32).fill(1),
    ...new Uint8Array(32).fill(9),
    1,
    1,
    1,
    0,
    0,
  ])
  const cases: { network: string; signer: typeof secp; field: string; kind: string; payload: Uint8Array }[] =
    [
      {
        network: 'EthereumSepolia',
        signer: secp,
        kind: 'Transaction',
        field: 'transaction',
        payload: Buffer.from(
          serializeTransaction({
            chainId: 11155111,
            nonce: 1,
            gas: 21000n,
            maxFeePerGas: 2n,
            maxPriorityFeePerGas: 1n,
            to: '0x0000000000000000000000000000000000000001',
          }).slice(2),
          'hex',
        ),
      },
      { network: 'Bitcoin', signer: secp, kind: 'Psbt', field: 'psbt', payload: psbt },
      { network: 'Solana', signer: ed, kind: 'Transaction', field: 'transaction', payload: solanaMessage },
      {
        network: 'XrpLedger',
        signer: secp,
        kind: 'Transaction',
        field: 'transaction',
        payload: Buffer.from(
          '1200002280000000240000000161400000000000006468400000000000000c8114' +
            '11'.repeat(20) +
            'f9ea7d0474657374e1f1',
          'hex',
        ),
      },
      {
        network: 'Stellar',
        signer: ed,
        kind: 'Transaction',
        field: 'transaction',
        payload: Buffer.concat([Buffer.from([0, 0, 0, 2]), Buffer.alloc(60, 3), Buffer.from([0, 0, 0, 0])]),
      },
      {
        network: 'CosmosHub4',
        signer: secp,
        kind: 'SignDocDirect',
        field: 'signDoc',
        payload: Buffer.from([0x0a, 2, 1, 2, 0x12, 1, 3, 0x1a, 1, 0x61, 0x20, 5]),
      },
    ]

  for (const c of cases) {
    test(`${c.network} ${c.kind}`, async () => {
      const network = findNetwork(c.network)!
      // The uncorrupted payload signs, so the corruptions below start from something valid.
      const baseline = await produceSignature({
        network,
        signer: c.signer,
        body: { kind: c.kind, [c.field]: hex(c.payload) },
      })
      assert.ok(baseline.signature)
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            fc.nat({ max: c.payload.length }).map((n) => c.payload.subarray(0, n)),
            fc
              .tuple(fc.nat({ max: c.payload.length - 1 }), fc.integer({ min: 1, max: 255 }))
              .map(([i, x]) => {
                const copy = Uint8Array.from(c.payload)
                copy[i] = copy[i]! ^ x
                return copy
              }),
            fc.uint8Array({ maxLength: 40 }).map((extra) => Uint8Array.from([...c.payload, ...extra])),
          ),
          async (payload) => {
            try {
              await produceSignature({
                network,
                signer: c.signer,
                body: { kind: c.kind, [c.field]: hex(payload) },
              })
            } catch (err) {
              assert.ok(clientError(err), `${c.network} ${hex(payload)}: ${err}`)
            }
          },
        ),
        { numRuns: 400 },
      )
    })
  }
})
