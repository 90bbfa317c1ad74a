import { secp256k1 } from '@noble/curves/secp256k1.js'
import { type Db, isUniqueViolation } from '../db/database.ts'
import { eciesDecrypt } from './ecies.ts'
import type { SecretBox } from './secret-box.ts'

/** walletd runs one logical signer; every node shares it through the database. */
export const IMPORT_SIGNER_ID = 'walletd-signer-1'
export const IMPORT_CLUSTER_ID = 'walletd-cluster-1'

/** What an import signer's sealed key is bound to. */
export const signerAssociatedData = (signerId: string) => `custody-signer:v1:${signerId}`

/** The `GET /signers` response shape. */
export interface SignerClusters {
  clusters: { clusterId: string; signers: { signerId: string; encryptionKey: string }[] }[]
}

/**
 * The deployment's import-encryption key: clients encrypt imported key material to its public key
 * (listed by `GET /signers`), and only this store can open it. The secp256k1 key pair is created on
 * first use, sealed with SecretBox like every other secret at rest.
 */
export interface ImportSigner {
  describe(): Promise<SignerClusters>
  /** Opens an ECIES envelope addressed to the signer; throws on anything else. */
  decrypt(envelope: string, context: string): Promise<Uint8Array>
}

export function createImportSigner(deps: {
  db: Db
  secrets: SecretBox
  /** The previous master key while a rotation is in progress (decrypt only). */
  previousSecrets?: SecretBox
  /** walletd's Clock. */
  now: () => Date
}): ImportSigner {
  const { db, secrets } = deps
  const now = deps.now

  async function loadOrCreate(): Promise<{ publicKey: string; sealed: string }> {
    const existing = await db
      .selectFrom('custody_signers')
      .select(['public_key', 'sealed_private_key'])
      .where('signer_id', '=', IMPORT_SIGNER_ID)
      .executeTakeFirst()
    if (existing) return { publicKey: existing.public_key, sealed: existing.sealed_private_key }
    const secret = secp256k1.utils.randomSecretKey()
    const row = {
      signer_id: IMPORT_SIGNER_ID,
      public_key: Buffer.from(secp256k1.getPublicKey(secret, true)).toString('hex'),
      sealed_private_key: secrets.seal(secret, signerAssociatedData(IMPORT_SIGNER_ID)),
      date_created: now().toISOString(),
    }
    secret.fill(0)
    try {
      await db.insertInto('custody_signers').values(row).execute()
    } catch (err) {
      // Another node created it first: use theirs.
      if (!isUniqueViolation(err)) throw err
      return loadOrCreate()
    }
    return { publicKey: row.public_key, sealed: row.sealed_private_key }
  }

  return {
    async describe() {
      const { publicKey } = await loadOrCreate()
      return {
        clusters: [
          {
            clusterId: IMPORT_CLUSTER_ID,
            signers: [
              { signerId: Buffer.from(IMPORT_SIGNER_ID).toString('base64'), encryptionKey: publicKey },
            ],
          },
        ],
      }
    },
    async decrypt(envelope, context) {
      const { sealed } = await loadOrCreate()
      const aad = signerAssociatedData(IMPORT_SIGNER_ID)
      let secret: Buffer
      try {
        secret = secrets.open(sealed, aad)
      } catch (err) {
        if (!deps.previousSecrets) throw err
        secret = deps.previousSecrets.open(sealed, aad)
      }
      try {
        return eciesDecrypt(secret, envelope, context)
      } finally {
        secret.fill(0)
      }
    },
  }
}
