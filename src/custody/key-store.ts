import { type Db, isUniqueViolation } from '../db/database.ts'
import { AppError } from '../errors.ts'
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
  secrets: SecretBox
  now?: () => Date
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
  const now = deps.now ?? (() => new Date())

  async function store(ref: KeyRef, type: SupportedKeyType, key: PrivateKey, origin: string) {
    const publicKey = publicKeyOf(type, key)
    const sealed = secrets.seal(key.reveal(), keyAssociatedData(ref, type))
    try {
      await db
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
    return { scheme: type.scheme, curve: type.curve, publicKey }
  }

  async function load(ref: KeyRef) {
    const row = await db
      .selectFrom('custody_keys')
      .selectAll()
      .where('key_id', '=', ref.keyId)
      .where('org_id', '=', ref.orgId)
      .executeTakeFirst()
    if (!row) {
      throw new AppError('not_found', `key ${ref.keyId} has no key material`, { details: { id: ref.keyId } })
    }
    const type = { scheme: row.scheme, curve: row.curve } as KeyType
    if (!isSupportedKeyType(type)) throw new Error(`custody row ${ref.keyId} has an unknown key type`)
    return { row, type, publicKey: Uint8Array.from(Buffer.from(row.public_key, 'hex')) }
  }

  function open(ref: KeyRef, type: SupportedKeyType, sealed: string): PrivateKey {
    try {
      return new PrivateKey(secrets.open(sealed, keyAssociatedData(ref, type)))
    } catch (cause) {
      // Wrong master key, or a ciphertext moved between rows: never a client error, never silent.
      throw new AppError('internal', `key material of ${ref.keyId} does not decrypt`, { cause })
    }
  }

  return {
    async generateKey(ref, type) {
      const supported = requireSupported(type)
      const key = generatePrivateKey(supported)
      try {
        return await store(ref, supported, key, 'generated')
      } finally {
        key.wipe()
      }
    },

    async importKey(ref, type, privateKey) {
      const supported = requireSupported(type)
      try {
        assertValidPrivateKey(supported, privateKey.reveal())
      } catch (err) {
        throw new AppError('validation_failed', (err as Error).message, {
          details: { field: 'encryptedKeyShares', curve: type.curve },
        })
      }
      return store(ref, supported, privateKey, 'imported')
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
