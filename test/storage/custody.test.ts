import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, describe, it } from 'node:test'
import { inspect } from 'node:util'
import { ed25519 } from '@noble/curves/ed25519.js'
import { schnorr, secp256k1 } from '@noble/curves/secp256k1.js'
import { base58 } from '@scure/base'
import * as btc from '@scure/btc-signer'
import { sql } from 'kysely'
import { type Hex, recoverMessageAddress } from 'viem'
import { deriveAddress } from '../../src/chains/addresses.ts'
import { requireNetwork, resolveKeyType } from '../../src/chains/networks.ts'
import { produceSignature } from '../../src/chains/signatures.ts'
import { eciesDecrypt, eciesEncrypt, parseEncryptionKey } from '../../src/custody/ecies.ts'
import { createImportSigner } from '../../src/custody/import-signer.ts'
import { EXPORT_CONTEXT, exportKey, IMPORT_CONTEXT, importKey } from '../../src/custody/key-export.ts'
import {
  createSoftwareKeyStore,
  type KeyRef,
  type KeyStore,
  keyAssociatedData,
  resealCustodyKeys,
} from '../../src/custody/key-store.ts'
import type { KeyType } from '../../src/custody/key-types.ts'
import { SecretBox } from '../../src/custody/secret-box.ts'
import type { DatabaseHandle } from '../../src/db/database.ts'
import { AppError } from '../../src/errors.ts'
import { newId } from '../../src/ids.ts'
import { createTestDatabase, type TestDatabase, testDialect } from '../helpers/database.ts'

const ECDSA: KeyType = { scheme: 'ECDSA', curve: 'secp256k1' }
const SCHNORR: KeyType = { scheme: 'Schnorr', curve: 'secp256k1' }
const EDDSA: KeyType = { scheme: 'EdDSA', curve: 'ed25519' }

const opened: TestDatabase[] = []
const tempDirs: string[] = []
after(async () => {
  for (const db of opened) await db.dispose().catch(() => {})
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true })
})

async function fresh(options: { sqliteFile?: string } = {}) {
  const database = await createTestDatabase(options)
  opened.push(database)
  const secrets = new SecretBox(randomBytes(32))
  return {
    database,
    secrets,
    store: createSoftwareKeyStore({ db: database.db, secrets, now: () => new Date() }),
  }
}

const ref = (orgId = newId('org', Date.now())): KeyRef => ({ orgId, keyId: newId('key', Date.now()) })

async function appError(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise
  } catch (err) {
    assert.ok(err instanceof AppError, `expected an AppError, got ${err}`)
    return err
  }
  assert.fail('expected a rejection')
}

/** Every way a 32-byte key could be spelled in a dump. */
function spellings(key: Uint8Array): Buffer[] {
  const b = Buffer.from(key)
  return [
    b,
    b.toString('hex'),
    b.toString('hex').toUpperCase(),
    b.toString('base64'),
    b.toString('base64url'),
  ].map((s) => (typeof s === 'string' ? Buffer.from(s) : s))
}

async function signAndVerify(store: KeyStore, key: KeyRef, type: KeyType, publicKey: Uint8Array) {
  const signer = await store.signer(key)
  const digest = randomBytes(32)
  if (type.scheme === 'ECDSA') {
    const sig = await signer.sign({ kind: 'ecdsa', digest })
    assert.ok(secp256k1.verify(Buffer.concat([sig.r, sig.s]), digest, publicKey, { prehash: false }))
  } else if (type.scheme === 'Schnorr') {
    const sig = await signer.sign({ kind: 'schnorr', message: digest })
    assert.ok(schnorr.verify(Buffer.concat([sig.r, sig.s]), digest, publicKey.subarray(1)))
  } else {
    const sig = await signer.sign({ kind: 'eddsa', message: digest })
    assert.ok(ed25519.verify(Buffer.concat([sig.r, sig.s]), digest, publicKey))
  }
}

describe(`software key store (${testDialect})`, () => {
  it('generates each key type, returns the public key, and signs with it', async () => {
    const { store } = await fresh()
    for (const type of [ECDSA, SCHNORR, EDDSA]) {
      const key = ref()
      const held = await store.generateKey(key, type)
      assert.equal(held.scheme, type.scheme)
      assert.equal(held.publicKey.length, type.curve === 'ed25519' ? 32 : 33)
      assert.deepEqual((await store.getKey(key)).publicKey, held.publicKey)
      await signAndVerify(store, key, type, held.publicKey)
    }
  })

  it('a key id holds material once: a second generate (even concurrent) is a 409', async () => {
    const { store } = await fresh()
    const key = ref()
    const results = await Promise.allSettled([store.generateKey(key, ECDSA), store.generateKey(key, ECDSA)])
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1)
    const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult
    assert.ok(rejected.reason instanceof AppError && rejected.reason.status === 409)
    assert.equal((await appError(store.generateKey(key, EDDSA))).status, 409)
  })

  it('is org-scoped: another org, or an unknown key, is a 404', async () => {
    const { store } = await fresh()
    const key = ref()
    await store.generateKey(key, ECDSA)
    assert.equal((await appError(store.signer({ ...key, orgId: newId('org', Date.now()) }))).status, 404)
    assert.equal((await appError(store.getKey(ref()))).status, 404)
  })

  it('ciphertext is bound to org and key: moved between rows it does not decrypt', async () => {
    const { store, database, secrets } = await fresh()
    const a = ref()
    const b = { ...ref(), orgId: a.orgId }
    await store.generateKey(a, ECDSA)
    await store.generateKey(b, ECDSA)
    const rowA = await database.db
      .selectFrom('custody_keys')
      .selectAll()
      .where('key_id', '=', a.keyId)
      .executeTakeFirstOrThrow()

    // The wrong key id or the wrong org id as associated data: AES-GCM refuses.
    assert.ok(secrets.open(rowA.sealed_private_key, keyAssociatedData(a, ECDSA)).length === 32)
    assert.throws(() =>
      secrets.open(rowA.sealed_private_key, keyAssociatedData({ ...a, keyId: b.keyId }, ECDSA)),
    )
    assert.throws(() =>
      secrets.open(
        rowA.sealed_private_key,
        keyAssociatedData({ ...a, orgId: newId('org', Date.now()) }, ECDSA),
      ),
    )
    assert.throws(() => secrets.open(rowA.sealed_private_key, keyAssociatedData(a, SCHNORR)))

    // Copy A's sealed key into B's row: B's signer fails closed (500, no detail to the client).
    await database.db
      .updateTable('custody_keys')
      .set({ sealed_private_key: rowA.sealed_private_key })
      .where('key_id', '=', b.keyId)
      .execute()
    const signer = await store.signer(b)
    const err = await appError(signer.sign({ kind: 'ecdsa', digest: new Uint8Array(32).fill(1) }))
    assert.equal(err.status, 500)
    assert.ok(!err.message.includes(rowA.sealed_private_key))

    // Move A to another org: it no longer decrypts there either.
    const otherOrg = newId('org', Date.now())
    await database.db
      .updateTable('custody_keys')
      .set({ org_id: otherOrg })
      .where('key_id', '=', a.keyId)
      .execute()
    const moved = await store.signer({ orgId: otherOrg, keyId: a.keyId })
    assert.equal(
      (await appError(moved.sign({ kind: 'ecdsa', digest: new Uint8Array(32).fill(1) }))).status,
      500,
    )
  })

  it('a store with another master key cannot use the keys', async () => {
    const { store, database } = await fresh()
    const key = ref()
    await store.generateKey(key, EDDSA)
    const stranger = createSoftwareKeyStore({
      db: database.db,
      secrets: new SecretBox(randomBytes(32)),
      now: () => new Date(),
    })
    const signer = await stranger.signer(key)
    assert.equal((await appError(signer.sign({ kind: 'eddsa', message: new Uint8Array(3) }))).status, 500)
  })

  it('destroyKey erases the material: later use is a 404', async () => {
    const { store, database } = await fresh()
    const key = ref()
    await store.generateKey(key, ECDSA)
    await store.destroyKey(key)
    assert.equal((await appError(store.signer(key))).status, 404)
    assert.equal((await appError(store.exportKey(key))).status, 404)
    const rows = await database.db
      .selectFrom('custody_keys')
      .select('key_id')
      .where('key_id', '=', key.keyId)
      .execute()
    assert.equal(rows.length, 0)
  })

  it('a key generated through one node signs through another (shared database)', async (t) => {
    // An in-memory SQLite database has no second handle: use a file there.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'walletd-custody-'))
    tempDirs.push(dir)
    const { database, secrets, store } = await fresh(
      testDialect === 'sqlite' ? { sqliteFile: path.join(dir, 'walletd.sqlite') } : {},
    )
    const other: DatabaseHandle = database.openAnother()
    t.after(() => other.close())
    const nodeB = createSoftwareKeyStore({ db: other.db, secrets, now: () => new Date() })
    const key = ref()
    const held = await store.generateKey(key, SCHNORR)
    await signAndVerify(nodeB, key, SCHNORR, held.publicKey)
  })

  it('the database holds no private key bytes in any spelling', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'walletd-custody-'))
    tempDirs.push(dir)
    const { store, database } = await fresh({ sqliteFile: path.join(dir, 'walletd.sqlite') })
    const privateKeys: Uint8Array[] = []
    for (const type of [ECDSA, SCHNORR, EDDSA, ECDSA, EDDSA]) {
      const key = ref()
      await store.generateKey(key, type)
      const exported = await store.exportKey(key)
      privateKeys.push(Uint8Array.from(exported.privateKey.reveal()))
      // What a careless log line would print of the exported key or of a signer: no material.
      const printed = Buffer.from(
        JSON.stringify(exported) +
          inspect(exported, { depth: 9 }) +
          inspect(await store.signer(key), { depth: 9 }),
      )
      for (const spelling of spellings(exported.privateKey.reveal())) assert.ok(!printed.includes(spelling))
      assert.ok(!printed.includes(Buffer.from(exported.privateKey.reveal().join(','))))
      exported.privateKey.wipe()
    }
    let haystack: Buffer
    if (testDialect === 'sqlite') {
      // The raw files as they lie on disk (main file, WAL and shared memory), before and after a checkpoint.
      const readAll = () => Buffer.concat(fs.readdirSync(dir).map((f) => fs.readFileSync(path.join(dir, f))))
      const beforeClose = readAll()
      await database.close()
      opened.splice(opened.indexOf(database), 1)
      haystack = Buffer.concat([beforeClose, readAll()])
      assert.ok(haystack.includes(Buffer.from('custody_keys')), 'the test must be reading the database file')
    } else {
      // Every row of every table in this schema, as PostgreSQL renders it.
      const tables = await sql<{ table_name: string }>`
        select table_name from information_schema.tables where table_schema = current_schema()`.execute(
        database.db,
      )
      const dumps: string[] = []
      for (const { table_name } of tables.rows) {
        const rows = await sql<{
          row: string
        }>`select t::text as row from ${sql.table(table_name)} t`.execute(database.db)
        dumps.push(...rows.rows.map((r) => r.row))
      }
      haystack = Buffer.from(dumps.join('\n'))
      assert.ok(haystack.includes(Buffer.from('generated')), 'the dump must include the custody rows')
    }
    for (const key of privateKeys) {
      for (const spelling of spellings(key))
        assert.ok(!haystack.includes(spelling), 'private key bytes found in the database')
    }
  })
})

describe(`master-key rotation (${testDialect})`, () => {
  it('old key as fallback keeps signing; reseal moves every row; afterwards only the new key is needed', async () => {
    const { database, secrets: oldBox, store: oldStore } = await fresh()
    const keys = await Promise.all(
      [ECDSA, SCHNORR, EDDSA, ECDSA].map(async (type) => {
        const key = ref()
        return { key, type, held: await oldStore.generateKey(key, type) }
      }),
    )
    const oldSigner = createImportSigner({ db: database.db, secrets: oldBox, now: () => new Date() })
    const signersBefore = await oldSigner.describe()

    const newBox = new SecretBox(randomBytes(32))
    const rotating = createSoftwareKeyStore({
      db: database.db,
      secrets: newBox,
      previousSecrets: oldBox,
      now: () => new Date(),
    })
    // Mid-rotation: new keys are sealed with the new box, old ones still open through the fallback.
    const midKey = ref()
    const midHeld = await rotating.generateKey(midKey, EDDSA)
    for (const { key, type, held } of keys) await signAndVerify(rotating, key, type, held.publicKey)

    const first = await resealCustodyKeys({
      db: database.db,
      secrets: newBox,
      previousSecrets: oldBox,
      batchSize: 2,
    })
    assert.deepEqual(first, { resealed: keys.length + 1, current: 1, unreadable: [] }) // + the import signer
    const again = await resealCustodyKeys({ db: database.db, secrets: newBox, previousSecrets: oldBox })
    assert.deepEqual(again, { resealed: 0, current: keys.length + 2, unreadable: [] })

    const newOnly = createSoftwareKeyStore({ db: database.db, secrets: newBox, now: () => new Date() })
    for (const { key, type, held } of keys) await signAndVerify(newOnly, key, type, held.publicKey)
    await signAndVerify(newOnly, midKey, EDDSA, midHeld.publicKey)
    assert.deepEqual(
      await createImportSigner({ db: database.db, secrets: newBox, now: () => new Date() }).describe(),
      signersBefore,
    )

    const oldOnly = createSoftwareKeyStore({ db: database.db, secrets: oldBox, now: () => new Date() })
    const stale = await oldOnly.signer(keys[0]!.key)
    assert.equal(
      (await appError(stale.sign({ kind: 'ecdsa', digest: new Uint8Array(32).fill(9) }))).status,
      500,
    )
  })

  it('rows that open under neither key are reported, not touched', async () => {
    const { database, store } = await fresh()
    const key = ref()
    await store.generateKey(key, ECDSA)
    const report = await resealCustodyKeys({
      db: database.db,
      secrets: new SecretBox(randomBytes(32)),
      previousSecrets: new SecretBox(randomBytes(32)),
    })
    assert.deepEqual(report, { resealed: 0, current: 0, unreadable: [key.keyId] })
  })
})

describe(`stored keys behind the chain layer (${testDialect})`, () => {
  it('a wallet key from the store: address derived, signatures verified by viem, noble and btc-signer', async () => {
    const { store } = await fresh()
    const ethereum = requireNetwork('EthereumSepolia')
    const evmKey = ref()
    const evmHeld = await store.generateKey(evmKey, resolveKeyType(ethereum))
    const address = deriveAddress(ethereum, evmHeld, evmHeld.publicKey)!
    const message = '0x68656c6c6f'
    const signed = await produceSignature({
      network: ethereum,
      signer: await store.signer(evmKey),
      body: { kind: 'Message', message },
    })
    assert.equal(
      await recoverMessageAddress({ message: { raw: message }, signature: signed.signature!.encoded as Hex }),
      address,
    )

    const solana = requireNetwork('Solana')
    const solKey = ref()
    const solHeld = await store.generateKey(solKey, resolveKeyType(solana))
    const hash = `0x${randomBytes(32).toString('hex')}`
    const solSig = await produceSignature({
      network: solana,
      signer: await store.signer(solKey),
      body: { kind: 'Hash', hash },
    })
    assert.ok(
      ed25519.verify(
        Buffer.from(solSig.signature!.encoded.slice(2), 'hex'),
        Buffer.from(hash.slice(2), 'hex'),
        solHeld.publicKey,
      ),
    )
    assert.equal(deriveAddress(solana, solHeld, solHeld.publicKey), base58.encode(solHeld.publicKey))

    const bitcoin = requireNetwork('BitcoinTestnet4')
    const btcKey = ref()
    const btcHeld = await store.generateKey(btcKey, resolveKeyType(bitcoin, { scheme: 'Schnorr' }))
    const p2tr = btc.p2tr(btcHeld.publicKey.subarray(1), undefined, btc.TEST_NETWORK)
    assert.equal(deriveAddress(bitcoin, btcHeld, btcHeld.publicKey), p2tr.address)
    const tx = new btc.Transaction()
    tx.addInput({
      txid: randomBytes(32).toString('hex'),
      index: 0,
      witnessUtxo: { script: p2tr.script, amount: 5000n },
    })
    tx.addOutputAddress(p2tr.address!, 4000n, btc.TEST_NETWORK)
    const psbt = await produceSignature({
      network: bitcoin,
      signer: await store.signer(btcKey),
      body: { kind: 'Psbt', psbt: `0x${Buffer.from(tx.toPSBT()).toString('hex')}` },
    })
    const finalized = btc.Transaction.fromPSBT(Buffer.from(psbt.signedData!.slice(2), 'hex'))
    finalized.finalize()
    assert.ok(finalized.extract().length > 0)
  })
})

describe(`key export and import (${testDialect})`, () => {
  it('export → decrypt with the recipient key → import re-encrypted to GET /signers → same key', async () => {
    const { store, database, secrets } = await fresh()
    const importSigner = createImportSigner({ db: database.db, secrets, now: () => new Date() })
    for (const [type, protocol] of [
      [ECDSA, 'CGGMP21'],
      [SCHNORR, 'FROST_BITCOIN'],
      [EDDSA, 'FROST'],
    ] as const) {
      const source = ref()
      const held = await store.generateKey(source, type)
      const recipient = secp256k1.utils.randomSecretKey()
      const exported = await exportKey(store, source, {
        encryptionKey: Buffer.from(secp256k1.getPublicKey(recipient, true)).toString('hex'),
        supportedSchemes: [
          { protocol: 'GLOW20_DH', curve: 'ed25519' },
          { protocol, curve: type.curve },
        ],
      })
      assert.equal(exported.protocol, protocol)
      assert.equal(exported.curve, type.curve)
      assert.equal(exported.minSigners, 1)
      assert.equal(exported.publicKey, Buffer.from(held.publicKey).toString('hex'))
      assert.equal(exported.encryptedKeyShares.length, 1)
      const share = exported.encryptedKeyShares[0]!
      const material = eciesDecrypt(recipient, share.encryptedKeyShare, EXPORT_CONTEXT)
      const derived =
        type.curve === 'ed25519' ? ed25519.getPublicKey(material) : secp256k1.getPublicKey(material, true)
      assert.deepEqual(derived, held.publicKey)

      const signers = await importSigner.describe()
      const signerInfo = signers.clusters[0]!.signers[0]!
      const target = ref()
      const imported = await importKey({ keyStore: store, importSigner }, target, {
        curve: type.curve,
        protocol,
        minSigners: 1,
        encryptedKeyShares: [
          {
            signerId: signerInfo.signerId,
            encryptedKeyShare: eciesEncrypt(
              parseEncryptionKey(signerInfo.encryptionKey),
              material,
              IMPORT_CONTEXT,
            ),
          },
        ],
      })
      assert.deepEqual(imported.publicKey, held.publicKey)
      await signAndVerify(store, target, type, held.publicKey)
      const row = await database.db
        .selectFrom('custody_keys')
        .select('origin')
        .where('key_id', '=', target.keyId)
        .executeTakeFirstOrThrow()
      assert.equal(row.origin, 'imported')
    }
  })

  it('the import signer is one key per deployment, stable across calls and nodes', async () => {
    const { database, secrets } = await fresh()
    const [a, b] = await Promise.all([
      createImportSigner({ db: database.db, secrets, now: () => new Date() }).describe(),
      createImportSigner({ db: database.db, secrets, now: () => new Date() }).describe(),
    ])
    assert.deepEqual(a, b)
    assert.deepEqual(
      await createImportSigner({ db: database.db, secrets, now: () => new Date() }).describe(),
      a,
    )
  })

  it('bad export and import bodies are 400s naming the field', async () => {
    const { store, database, secrets } = await fresh()
    const importSigner = createImportSigner({ db: database.db, secrets, now: () => new Date() })
    const key = ref()
    await store.generateKey(key, EDDSA)
    const goodKey = Buffer.from(secp256k1.getPublicKey(secp256k1.utils.randomSecretKey(), true)).toString(
      'hex',
    )
    const exportErr = async (body: Parameters<typeof exportKey>[2]) =>
      (await appError(exportKey(store, key, body))).details?.field
    assert.equal(
      await exportErr({ encryptionKey: 'nope', supportedSchemes: [{ protocol: 'FROST', curve: 'ed25519' }] }),
      'encryptionKey',
    )
    assert.equal(
      await exportErr({
        encryptionKey: goodKey,
        supportedSchemes: [{ protocol: 'CGGMP21', curve: 'secp256k1' }],
      }),
      'supportedSchemes',
    )

    const signerId = (await importSigner.describe()).clusters[0]!.signers[0]!.signerId
    const base = { curve: 'ed25519', protocol: 'FROST', minSigners: 1 }
    const share = { signerId, encryptedKeyShare: 'AAAA' }
    const importErr = async (body: Parameters<typeof importKey>[2]) =>
      (await appError(importKey({ keyStore: store, importSigner }, ref(), body))).details?.field
    assert.equal(await importErr({ ...base, protocol: 'GLOW20_DH', encryptedKeyShares: [share] }), 'protocol')
    assert.equal(await importErr({ ...base, curve: 'secp256k1', encryptedKeyShares: [share] }), 'curve')
    assert.equal(
      await importErr({ ...base, minSigners: 3, encryptedKeyShares: [share, share, share] }),
      'minSigners',
    )
    assert.equal(
      await importErr({ ...base, encryptedKeyShares: [{ ...share, signerId: 'b3RoZXI=' }] }),
      'encryptedKeyShares[0].signerId',
    )
    assert.equal(
      await importErr({ ...base, encryptedKeyShares: [share] }),
      'encryptedKeyShares[0].encryptedKeyShare',
    )
    // Encrypted to the wrong recipient.
    const misaddressed = eciesEncrypt(parseEncryptionKey(goodKey), new Uint8Array(32).fill(3), IMPORT_CONTEXT)
    assert.equal(
      await importErr({ ...base, encryptedKeyShares: [{ signerId, encryptedKeyShare: misaddressed }] }),
      'encryptedKeyShares[0].encryptedKeyShare',
    )
    // A secp256k1 scalar out of range (all 0xff) is refused after decryption.
    const signerKey = parseEncryptionKey(
      (await importSigner.describe()).clusters[0]!.signers[0]!.encryptionKey,
    )
    const bad = eciesEncrypt(signerKey, new Uint8Array(32).fill(0xff), IMPORT_CONTEXT)
    const err = await appError(
      importKey({ keyStore: store, importSigner }, ref(), {
        curve: 'secp256k1',
        protocol: 'CGGMP21',
        minSigners: 1,
        encryptedKeyShares: [{ signerId, encryptedKeyShare: bad }],
      }),
    )
    assert.equal(err.status, 400)
    assert.equal(err.details?.field, 'encryptedKeyShares')
  })
})
