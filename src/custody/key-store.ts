import { type Db, isUniqueViolation } from '../db/database.ts'
import { fixedQuery, type Params } from '../db/fixed-query.ts'
import { AppError } from '../errors.ts'
import { signerAssociatedData } from './import-signer.ts'
import {
  assertValidPrivateKey,
  generatePrivateKey,
  PrivateKey,
  privateKeySigner,
  publicKeyOf,
  signWithPrivateKey,
} from './key-material.ts'
import {
  type Curve,
  isSupportedKeyType,
  type KeySigner,
  type KeyType,
  type Scheme,
  type SupportedKeyType,
  supportedKeyTypes,
} from './key-types.ts'
import type { SecretBox } from './secret-box.ts'

/** Which key, of which org. Every KeyStore call names both, and the sealed material is bound to both. */
export interface KeyRef {
  orgId: string
  keyId: string
}

export interface HeldKey {
  scheme: Scheme
  curve: Curve
  /** Compressed SEC1 (33 bytes) for secp256k1, raw 32 bytes for ed25519. */
  publicKey: Uint8Array
}

/**
 * A new key, made and sealed but not stored yet. `save(trx)` writes it inside the caller's
 * transaction, so the material exists exactly when the rows that name it (key, wallet) do: a crash
 * at any point leaves either all of them or none.
 */
export interface PreparedKey extends HeldKey {
  save(trx?: Db): Promise<void>
}

/** Raw key material handed out only by the plan-gated export path. */
export interface ExportedKey extends HeldKey {
  privateKey: PrivateKey
}

/**
 * Where private keys live. The default is the encrypted software store below; an HSM or remote
 * signer would implement the same interface. Callers never receive private key bytes except from
 * `exportKey`, which the routes call only when the org's plan enables export.
 */
export interface KeyStore {
  /** Creates a key with a CSPRNG; `conflict` when the key id already holds material. */
  generateKey(ref: KeyRef, type: KeyType): Promise<HeldKey>
  /** Stores material brought in by the plan-gated import. */
  importKey(ref: KeyRef, type: KeyType, privateKey: PrivateKey): Promise<HeldKey>
  /** `generateKey` whose row the caller writes in its own transaction (see PreparedKey). */
  prepareKey(ref: KeyRef, type: KeyType): Promise<PreparedKey>
  /** `importKey` whose row the caller writes in its own transaction (see PreparedKey). */
  prepareImport(ref: KeyRef, type: KeyType, privateKey: PrivateKey): Promise<PreparedKey>
  /** The public half; `not_found` when the store holds nothing for this org and key. */
  getKey(ref: KeyRef): Promise<HeldKey>
  /** A signer for the key, for chain code to use; the private key stays inside the store. */
  signer(ref: KeyRef): Promise<KeySigner>
  exportKey(ref: KeyRef): Promise<ExportedKey>
  /** Erases the material for good (crypto-shredding); later calls answer `not_found`. */
  destroyKey(ref: KeyRef): Promise<void>
}

export interface SoftwareKeyStoreDeps {
  db: Db
  /** Seals new material and opens current material. */
  secrets: SecretBox
  /**
   * During a master-key rotation: the previous master key, used only to open rows not yet
   * re-sealed by `resealCustodyKeys`. Never used to seal.
   */
  previousSecrets?: SecretBox
  /** walletd's Clock. */
  now: () => Date
}

/** What a key's ciphertext is bound to: moving it to another key id, org or key type fails to open. */
export function keyAssociatedData(ref: KeyRef, type: KeyType): string {
  return `custody-key:v1:org:${ref.orgId}:key:${ref.keyId}:${type.scheme}/${type.curve}`
}

/**
 * The default KeyStore: keys generated in-process from the OS CSPRNG, sealed with SecretBox
 * (AES-256-GCM under the deployment master key) in the `custody_keys` table. Decryption happens per
 * signature, outside any database transaction, and the plaintext lives only for that call.
 */
export function createSoftwareKeyStore(deps: SoftwareKeyStoreDeps): KeyStore {
  const { db, secrets } = deps
  const now = deps.now

  /** Seals the material now (crypto outside any transaction); the row is written by `save`. */
  function seal(ref: KeyRef, type: SupportedKeyType, key: PrivateKey, origin: string): PreparedKey {
    const publicKey = publicKeyOf(type, key)
    const sealed = secrets.seal(key.reveal(), keyAssociatedData(ref, type))
    return {
      scheme: type.scheme,
      curve: type.curve,
      publicKey,
      async save(trx = db) {
        try {
          await trx
            .insertInto('custody_keys')
            .values({
              key_id: ref.keyId,
              org_id: ref.orgId,
              scheme: type.scheme,
              curve: type.curve,
              public_key: Buffer.from(publicKey).toString('hex'),
              sealed_private_key: sealed,
              origin,
              date_created: now().toISOString(),
            })
            .execute()
        } catch (err) {
          if (isUniqueViolation(err)) {
            throw new AppError('conflict', `key ${ref.keyId} already holds key material`, {
              details: { keyId: ref.keyId },
            })
          }
          throw err
        }
      },
    }
  }

  function prepareGenerated(ref: KeyRef, type: KeyType): PreparedKey {
    const supported = requireSupported(type)
    const key = generatePrivateKey(supported)
    try {
      return seal(ref, supported, key, 'generated')
    } finally {
      key.wipe()
    }
  }

  function prepareImported(ref: KeyRef, type: KeyType, privateKey: PrivateKey): PreparedKey {
    const supported = requireSupported(type)
    try {
      assertValidPrivateKey(supported, privateKey.reveal())
    } catch (err) {
      throw new AppError('validation_failed', (err as Error).message, {
        details: { field: 'encryptedKeyShares', curve: type.curve },
      })
    }
    return seal(ref, supported, privateKey, 'imported')
  }

  const stored = async (prepared: PreparedKey): Promise<HeldKey> => {
    await prepared.save()
    return { scheme: prepared.scheme, curve: prepared.curve, publicKey: prepared.publicKey }
  }

  // Every signature reads its key's material: built once.
  const materialOf = fixedQuery(db, (p: Params<{ keyId: string; orgId: string }>) =>
    db.selectFrom('custody_keys').selectAll().where('key_id', '=', p.keyId).where('org_id', '=', p.orgId),
  )
  async function load(ref: KeyRef) {
    const row = await materialOf.first({ keyId: ref.keyId, orgId: ref.orgId })
    if (!row) {
      throw new AppError('not_found', `key ${ref.keyId} has no key material`, { details: { id: ref.keyId } })
    }
    const type = { scheme: row.scheme, curve: row.curve } as KeyType
    if (!isSupportedKeyType(type)) throw new Error(`custody row ${ref.keyId} has an unknown key type`)
    return { row, type, publicKey: Uint8Array.from(Buffer.from(row.public_key, 'hex')) }
  }

  function open(ref: KeyRef, type: SupportedKeyType, sealed: string): PrivateKey {
    let plain: Buffer
    try {
      plain = openWithFallback(sealed, keyAssociatedData(ref, type), secrets, deps.previousSecrets)
    } catch (cause) {
      // Wrong master key, or a ciphertext moved between rows: never a client error, never silent.
      throw new AppError('internal', `key material of ${ref.keyId} does not decrypt`, { cause })
    }
    try {
      return new PrivateKey(plain)
    } finally {
      plain.fill(0) // PrivateKey holds its own copy
    }
  }

  return {
    async generateKey(ref, type) {
      return stored(prepareGenerated(ref, type))
    },

    async importKey(ref, type, privateKey) {
      return stored(prepareImported(ref, type, privateKey))
    },

    async prepareKey(ref, type) {
      return prepareGenerated(ref, type)
    },

    async prepareImport(ref, type, privateKey) {
      return prepareImported(ref, type, privateKey)
    },

    async getKey(ref) {
      const { type, publicKey } = await load(ref)
      return { scheme: type.scheme, curve: type.curve, publicKey }
    },

    async signer(ref) {
      const { row, type, publicKey } = await load(ref)
      return {
        scheme: type.scheme,
        curve: type.curve,
        publicKey,
        async sign(operation) {
          const key = open(ref, type, row.sealed_private_key)
          try {
            return signWithPrivateKey(type, key, operation)
          } finally {
            key.wipe()
          }
        },
      }
    },

    async exportKey(ref) {
      const { row, type, publicKey } = await load(ref)
      return {
        scheme: type.scheme,
        curve: type.curve,
        publicKey,
        privateKey: open(ref, type, row.sealed_private_key),
      }
    },

    async destroyKey(ref) {
      await db
        .deleteFrom('custody_keys')
        .where('key_id', '=', ref.keyId)
        .where('org_id', '=', ref.orgId)
        .execute()
    },
  }
}

function requireSupported(type: KeyType): SupportedKeyType {
  if (isSupportedKeyType(type)) return type
  throw new AppError('not_implemented', `walletd cannot hold ${type.scheme}/${type.curve} keys`, {
    details: { scheme: type.scheme, curve: type.curve, supported: supportedKeyTypes },
  })
}

/** For tests and tools: a KeySigner straight from private key bytes (no storage). */
export function signerFromPrivateKey(type: KeyType, privateKey: Uint8Array): KeySigner {
  const supported = requireSupported(type)
  assertValidPrivateKey(supported, privateKey)
  return privateKeySigner(supported, new PrivateKey(privateKey))
}

/** Opens with the current master key, then with the previous one (rotation in progress). */
export function openWithFallback(
  sealed: string,
  associatedData: string,
  secrets: SecretBox,
  previousSecrets?: SecretBox,
): Buffer {
  try {
    return secrets.open(sealed, associatedData)
  } catch (err) {
    if (!previousSecrets) throw err
    return previousSecrets.open(sealed, associatedData)
  }
}

export interface ResealReport {
  /** Rows re-sealed under the current key by this run. */
  resealed: number
  /** Rows already under the current key. */
  current: number
  /** Rows that open under neither key (wrong keys configured, or damaged rows): left untouched. */
  unreadable: string[]
}

/**
 * Step 2 of a master-key rotation (README.md): re-seals every custody row that is still under the
 * previous master key. Each row is read, re-sealed outside any transaction, and written back with
 * a compare-and-swap on the old ciphertext, so a concurrent writer is never overwritten and the
 * walk can be interrupted and re-run at any time. Signing keeps working throughout when the stores
 * are built with `previousSecrets`.
 */
export async function resealCustodyKeys(deps: {
  db: Db
  secrets: SecretBox
  previousSecrets: SecretBox
  batchSize?: number
}): Promise<ResealReport> {
  const { db, secrets, previousSecrets } = deps
  const batchSize = deps.batchSize ?? 200
  const report: ResealReport = { resealed: 0, current: 0, unreadable: [] }

  const reseal = async (id: string, sealed: string, aad: string, write: (next: string) => Promise<void>) => {
    try {
      secrets.open(sealed, aad).fill(0)
      report.current++
      return
    } catch {
      // not under the current key: try the previous one below
    }
    let plain: Buffer
    try {
      plain = previousSecrets.open(sealed, aad)
    } catch {
      report.unreadable.push(id)
      return
    }
    const next = secrets.seal(plain, aad)
    plain.fill(0)
    await write(next)
    report.resealed++
  }

  let after = ''
  for (;;) {
    const rows = await db
      .selectFrom('custody_keys')
      .select(['key_id', 'org_id', 'scheme', 'curve', 'sealed_private_key'])
      .where('key_id', '>', after)
      .orderBy('key_id')
      .limit(batchSize)
      .execute()
    for (const row of rows) {
      const ref = { orgId: row.org_id, keyId: row.key_id }
      const aad = keyAssociatedData(ref, { scheme: row.scheme, curve: row.curve } as KeyType)
      await reseal(row.key_id, row.sealed_private_key, aad, async (next) => {
        await db
          .updateTable('custody_keys')
          .set({ sealed_private_key: next })
          .where('key_id', '=', row.key_id)
          .where('sealed_private_key', '=', row.sealed_private_key)
          .execute()
      })
    }
    if (rows.length < batchSize) break
    after = rows[rows.length - 1]!.key_id
  }

  const signers = await db.selectFrom('custody_signers').select(['signer_id', 'sealed_private_key']).execute()
  for (const row of signers) {
    await reseal(row.signer_id, row.sealed_private_key, signerAssociatedData(row.signer_id), async (next) => {
      await db
        .updateTable('custody_signers')
        .set({ sealed_private_key: next })
        .where('signer_id', '=', row.signer_id)
        .where('sealed_private_key', '=', row.sealed_private_key)
        .execute()
    })
  }
  return report
}
