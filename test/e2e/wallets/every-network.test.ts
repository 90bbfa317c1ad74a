import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { ed25519 } from '@noble/curves/ed25519.js'
import { schnorr, secp256k1 } from '@noble/curves/secp256k1.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { networks } from '../../../src/chains/index.ts'
import { testDialect } from '../../helpers/database.ts'
import { startWalletd, type Walletd } from '../../helpers/sdk.ts'

const bytes = (hex: string) => Uint8Array.from(Buffer.from(hex.replace(/^0x/, ''), 'hex'))
const hex = (b: Uint8Array) => `0x${Buffer.from(b).toString('hex')}`

// Every network a wallet can be created on today (derivable address, no on-chain activation).
const creatable = networks.filter(
  (n) =>
    !n.requiresActivation &&
    n.keyTypes.length > 0 &&
    n.address.kind !== 'ton' &&
    n.address.kind !== 'unsupported' &&
    n.keyTypes[0]!.curve !== 'stark',
)

/**
 * Breadth through the HTTP routes: on every network walletd can create wallets for, a wallet is
 * created with the network's default key, and its Hash (and, for EdDSA keys, Message) signature is
 * verified with @noble/curves against the wallet's public key; `encoded` has the chain's layout.
 */
describe(`a wallet and a verified signature on every network (${testDialect})`, () => {
  let w: Walletd
  before(async () => {
    w = await startWalletd()
  })
  after(() => w.close())

  it(`covers ${creatable.length} networks`, () => assert.ok(creatable.length > 80))

  for (const network of creatable) {
    it(network.name, async () => {
      const wallet = await w.root.wallets.createWallet({ body: { network: network.name as never } })
      assert.equal(wallet.network, network.name)
      assert.equal(wallet.address === undefined, network.address.kind === 'none')
      const publicKey = bytes(wallet.signingKey.publicKey)
      const digest = sha256(new TextEncoder().encode(`hash on ${network.name}`))
      if (network.signatureKinds.includes('Hash')) {
        const signed = await w.root.wallets.generateSignature({
          walletId: wallet.id,
          body: { kind: 'Hash', hash: hex(digest) },
        })
        assert.equal(signed.status, 'Signed')
        const { r, s, recid, encoded } = signed.signature!
        const rs = Uint8Array.from([...bytes(r), ...bytes(s)])
        if (wallet.signingKey.scheme === 'EdDSA') {
          assert.ok(ed25519.verify(rs, digest, publicKey))
          assert.equal(encoded, hex(rs))
        } else if (wallet.signingKey.scheme === 'Schnorr') {
          // Without taprootMerkleRoot a Kaspa key signs untweaked (its address commits to that key).
          assert.ok(schnorr.verify(rs, digest, publicKey.subarray(1)))
          assert.equal(encoded, hex(rs))
        } else {
          assert.ok(secp256k1.verify(rs, digest, publicKey, { prehash: false }))
          assert.ok(recid === 0 || recid === 1)
          const layout = network.ecdsaEncoding
          if (layout === 'rs') assert.equal(encoded, hex(rs))
          if (layout === 'rsv') assert.equal(encoded, hex(Uint8Array.from([...rs, 27 + recid!])))
          if (layout === 'der') {
            assert.equal(encoded, hex(secp256k1.Signature.fromBytes(rs, 'compact').toBytes('der')))
          }
        }
      }
      if (wallet.signingKey.scheme === 'EdDSA' && network.signatureKinds.includes('Message')) {
        const message = new TextEncoder().encode(`message on ${network.name}`)
        const signed = await w.root.wallets.generateSignature({
          walletId: wallet.id,
          body: { kind: 'Message', message: hex(message) },
        })
        assert.ok(ed25519.verify(bytes(signed.signature!.encoded!), message, publicKey))
      }
    })
  }
})
