import assert from 'node:assert/strict'
import fs from 'node:fs'
import { after, before, describe, it } from 'node:test'
import type { DfnsError } from '@dfns/sdk'
import { ed25519 } from '@noble/curves/ed25519.js'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { keccak256, recoverMessageAddress, toHex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { EXPORT_CONTEXT, eciesDecrypt, eciesEncrypt, IMPORT_CONTEXT } from '../../../src/custody/index.ts'
import { testDialect } from '../../helpers/database.ts'
import { startWalletd, type Walletd } from '../../helpers/sdk.ts'

const bytesOf = (hex: string) => Uint8Array.from(Buffer.from(hex.replace(/^0x/, ''), 'hex'))
const hexOf = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex')

const paymentRequired = (feature: string, orgId: string) => (err: DfnsError) => {
  const body = (err.context as { body: { error: { status: number; details: unknown } } }).body
  assert.equal(err.httpStatus, 402, JSON.stringify(body))
  assert.equal(body.error.status, 402)
  assert.deepEqual(body.error.details, { feature, plan: 'Developer', orgId })
  return true
}

/** The recipient of an export: a secp256k1 key pair the test holds. */
function recipient() {
  const secret = secp256k1.utils.randomSecretKey()
  return { secret, encryptionKey: hexOf(secp256k1.getPublicKey(secret, true)) }
}

/**
 * Export and import (plan-gated). walletd's envelopes are ECIES to a secp256k1 key (see
 * src/custody/key-export.ts); the test opens and seals them with that documented construction,
 * then checks the key material itself with viem and noble.
 */
describe(`key export and import (${testDialect})`, () => {
  let w: Walletd
  before(async () => {
    w = await startWalletd({ multiNode: true })
  })
  after(() => w.close())

  const enable = () => w.app.walletd.plans.change(w.orgId, { enable: ['walletExport', 'walletImport'] })
  const disable = () => w.app.walletd.plans.change(w.orgId, { disable: ['walletExport', 'walletImport'] })

  it('answers 402 naming the feature on every export and import route while the plan lacks it', async () => {
    await disable()
    const wallet = await w.root.wallets.createWallet({ body: { network: 'Ethereum' } })
    const { encryptionKey } = recipient()
    const exportBody = {
      encryptionKey,
      supportedSchemes: [{ protocol: 'CGGMP24' as const, curve: 'secp256k1' as const }],
    }
    const share = [{ signerId: 'x', encryptedKeyShare: 'y' }]
    await assert.rejects(
      w.root.wallets.exportWallet({ walletId: wallet.id, body: exportBody }),
      paymentRequired('walletExport', w.orgId),
    )
    await assert.rejects(
      w.root.keys.exportKey({ keyId: wallet.signingKey.id, body: exportBody }),
      paymentRequired('walletExport', w.orgId),
    )
    await assert.rejects(
      w.root.wallets.importWallet({
        body: {
          network: 'Ethereum',
          curve: 'secp256k1',
          protocol: 'CGGMP24',
          minSigners: 1,
          encryptedKeyShares: share,
        },
      }),
      paymentRequired('walletImport', w.orgId),
    )
    await assert.rejects(
      w.root.keys.importKey({
        body: { curve: 'secp256k1', protocol: 'CGGMP24', minSigners: 1, encryptedKeyShares: share },
      }),
      paymentRequired('walletImport', w.orgId),
    )
    assert.equal((await w.root.keys.getKey({ keyId: wallet.signingKey.id })).exported, false)
  })

  it('exports a wallet key once: it is the private key of the wallet address; a second export is 412', async () => {
    await enable()
    const wallet = await w.root.wallets.createWallet({ body: { network: 'EthereumSepolia' } })
    const { secret, encryptionKey } = recipient()
    const exported = await w.root.wallets.exportWallet({
      walletId: wallet.id,
      body: { encryptionKey, supportedSchemes: [{ protocol: 'CGGMP24', curve: 'secp256k1' }] },
    })
    assert.deepEqual(
      {
        publicKey: exported.publicKey,
        protocol: exported.protocol,
        curve: exported.curve,
        minSigners: exported.minSigners,
      },
      { publicKey: wallet.signingKey.publicKey, protocol: 'CGGMP24', curve: 'secp256k1', minSigners: 1 },
    )
    const privateKey = eciesDecrypt(secret, exported.encryptedKeyShares[0]!.encryptedKeyShare, EXPORT_CONTEXT)
    assert.equal(privateKeyToAccount(`0x${hexOf(privateKey)}`).address, wallet.address)
    const key = await w.root.keys.getKey({ keyId: wallet.signingKey.id })
    assert.equal(key.exported, true)
    assert.equal(key.dateExported, w.clock.now().toISOString())
    await assert.rejects(
      w.root.keys.exportKey({
        keyId: wallet.signingKey.id,
        body: { encryptionKey, supportedSchemes: [{ protocol: 'CGGMP24', curve: 'secp256k1' }] },
      }),
      (err: DfnsError) => err.httpStatus === 412,
    )
  })

  it('imports a secp256k1 wallet through GET /signers: its address and signatures are the key\u2019s', async () => {
    await enable()
    const { clusters } = await w.root.signers.listSigners()
    const signer = clusters[0]!.signers[0]!
    const privateKey = secp256k1.utils.randomSecretKey()
    const account = privateKeyToAccount(`0x${hexOf(privateKey)}`)
    const wallet = await w.root.wallets.importWallet({
      body: {
        network: 'EthereumSepolia',
        name: 'imported',
        externalId: 'legacy-7',
        curve: 'secp256k1',
        protocol: 'CGGMP24',
        minSigners: 1,
        encryptedKeyShares: [
          {
            signerId: signer.signerId,
            encryptedKeyShare: eciesEncrypt(bytesOf(signer.encryptionKey), privateKey, IMPORT_CONTEXT),
          },
        ],
      },
    })
    assert.equal(wallet.address, account.address)
    assert.deepEqual([wallet.name, wallet.externalId], ['imported', 'legacy-7'])
    const message = toHex('imported key signs')
    const signed = await w.root.wallets.generateSignature({
      walletId: wallet.id,
      body: { kind: 'Message', message },
    })
    assert.equal(
      await recoverMessageAddress({
        message: { raw: message },
        signature: signed.signature!.encoded as never,
      }),
      account.address,
    )
    assert.equal((await w.root.keys.getKey({ keyId: wallet.signingKey.id })).imported, true)
  })

  it('imports an ed25519 key on the key route and exports it back with FROST', async () => {
    await enable()
    const { clusters } = await w.root.signers.listSigners()
    const signer = clusters[0]!.signers[0]!
    const privateKey = ed25519.utils.randomSecretKey()
    const key = await w.root.keys.importKey({
      body: {
        name: 'ed',
        curve: 'ed25519',
        protocol: 'FROST',
        minSigners: 1,
        encryptedKeyShares: [
          {
            signerId: signer.signerId,
            encryptedKeyShare: eciesEncrypt(bytesOf(signer.encryptionKey), privateKey, IMPORT_CONTEXT),
          },
        ],
      },
    })
    assert.deepEqual([key.scheme, key.curve, key.imported], ['EdDSA', 'ed25519', true])
    assert.equal(key.publicKey, hexOf(ed25519.getPublicKey(privateKey)))
    const { secret, encryptionKey } = recipient()
    const exported = await w.root.keys.exportKey({
      keyId: key.id,
      body: { encryptionKey, supportedSchemes: [{ protocol: 'FROST', curve: 'ed25519' }] },
    })
    assert.equal(
      hexOf(eciesDecrypt(secret, exported.encryptedKeyShares[0]!.encryptedKeyShare, EXPORT_CONTEXT)),
      hexOf(privateKey),
    )
  })

  it('refuses an envelope not addressed to the signer with a 400 naming the field', async () => {
    await enable()
    const stranger = recipient()
    await assert.rejects(
      w.root.keys.importKey({
        body: {
          curve: 'secp256k1',
          protocol: 'CGGMP24',
          minSigners: 1,
          encryptedKeyShares: [
            {
              signerId: (await w.root.signers.listSigners()).clusters[0]!.signers[0]!.signerId,
              encryptedKeyShare: eciesEncrypt(
                bytesOf(stranger.encryptionKey),
                secp256k1.utils.randomSecretKey(),
                IMPORT_CONTEXT,
              ),
            },
          ],
        },
      }),
      (err: DfnsError) => {
        const body = (err.context as { body: { error: { details: { field: string } } } }).body
        assert.equal(err.httpStatus, 400)
        assert.equal(body.error.details.field, 'encryptedKeyShares[0].encryptedKeyShare')
        return true
      },
    )
  })

  it('keeps private keys encrypted at rest: the SQLite file holds the public keys but none of the private ones', {
    skip: testDialect !== 'sqlite' && 'the database is a PostgreSQL server, not a file',
  }, async () => {
    await enable()
    const secrets: Uint8Array[] = []
    const publics: string[] = []
    for (const network of ['Ethereum', 'Solana', 'Bitcoin'] as const) {
      const wallet = await w.root.wallets.createWallet({ body: { network } })
      const { secret, encryptionKey } = recipient()
      const protocol = network === 'Solana' ? 'FROST' : 'CGGMP24'
      const curve = network === 'Solana' ? 'ed25519' : 'secp256k1'
      const exported = await w.root.wallets.exportWallet({
        walletId: wallet.id,
        body: { encryptionKey, supportedSchemes: [{ protocol, curve }] },
      })
      secrets.push(eciesDecrypt(secret, exported.encryptedKeyShares[0]!.encryptedKeyShare, EXPORT_CONTEXT))
      publics.push(wallet.signingKey.publicKey)
      // Signing still works after export: the key stays in custody.
      await w.root.wallets.generateSignature({
        walletId: wallet.id,
        body: { kind: 'Hash', hash: keccak256('0x01') },
      })
    }
    const file = w.database.location
    const raw = Buffer.concat(
      [file, `${file}-wal`].filter((f) => fs.existsSync(f)).map((f) => fs.readFileSync(f)),
    )
    for (const pub of publics) assert.ok(raw.includes(Buffer.from(pub)), 'the search sees what is stored')
    for (const secret of secrets) {
      for (const form of [
        Buffer.from(secret),
        Buffer.from(hexOf(secret)),
        Buffer.from(Buffer.from(secret).toString('base64')),
      ]) {
        assert.equal(raw.includes(form), false)
      }
    }
  })
})
