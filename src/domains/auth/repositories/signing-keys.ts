import type { Db } from '../../../db/database.ts'

export interface StoredSigningKey {
  purpose: string
  kid: string
  algorithm: string
  /** SPKI PEM. */
  publicKey: string
  /** PKCS#8 PEM sealed with the deployment's SecretBox. */
  sealedPrivateKey: string
}

export interface SigningKeyRepository {
  /**
   * Store `candidate` unless a key for its purpose exists, then return whichever is stored: nodes
   * starting together each propose a key and all end up using the one that won the insert.
   */
  insertIfAbsentThenRead(candidate: StoredSigningKey, now: Date): Promise<StoredSigningKey>
  find(purpose: string): Promise<StoredSigningKey | undefined>
  list(): Promise<StoredSigningKey[]>
  /** Replace the sealed private key only if it is still `expected` (compare-and-swap). */
  replaceSealed(purpose: string, expected: string, next: string): Promise<boolean>
}

export function createSigningKeyRepository(db: Db): SigningKeyRepository {
  const find = async (purpose: string): Promise<StoredSigningKey | undefined> => {
    const row = await db
      .selectFrom('signing_keys')
      .selectAll()
      .where('purpose', '=', purpose)
      .executeTakeFirst()
    return row
      ? {
          purpose: row.purpose,
          kid: row.kid,
          algorithm: row.algorithm,
          publicKey: row.public_key,
          sealedPrivateKey: row.sealed_private_key,
        }
      : undefined
  }
  return {
    find,
    async list() {
      const rows = await db.selectFrom('signing_keys').select('purpose').orderBy('purpose').execute()
      const keys = await Promise.all(rows.map((r) => find(r.purpose)))
      return keys.filter((k): k is StoredSigningKey => k !== undefined)
    },
    async replaceSealed(purpose, expected, next) {
      const result = await db
        .updateTable('signing_keys')
        .set({ sealed_private_key: next })
        .where('purpose', '=', purpose)
        .where('sealed_private_key', '=', expected)
        .executeTakeFirst()
      return Number(result.numUpdatedRows) === 1
    },
    async insertIfAbsentThenRead(candidate, now) {
      await db
        .insertInto('signing_keys')
        .values({
          purpose: candidate.purpose,
          kid: candidate.kid,
          algorithm: candidate.algorithm,
          public_key: candidate.publicKey,
          sealed_private_key: candidate.sealedPrivateKey,
          date_created: now.toISOString(),
        })
        .onConflict((oc) => oc.column('purpose').doNothing())
        .execute()
      const stored = await find(candidate.purpose)
      if (!stored) throw new Error(`signing key ${candidate.purpose} vanished right after it was stored`)
      return stored
    },
  }
}
