import type { Selectable } from 'kysely'
import { type Db, isUniqueViolation } from '../../../db/database.ts'
import type { AuthTables } from '../../../db/schema.ts'
import { AppError } from '../../../errors.ts'
import type { Credential, CredentialKind } from '../model.ts'

type CredentialRow = Selectable<AuthTables['credentials']>

export interface CredentialRepository {
  create(credential: Credential, trx?: Db): Promise<void>
  findByUuid(orgId: string, uuid: string): Promise<Credential | undefined>
  findByCredId(orgId: string, credId: string): Promise<Credential | undefined>
  /** A user's own credentials (not the keys of their tokens). */
  listOfUser(userId: string): Promise<Credential[]>
  /** The key credential of a service-account token or PAT. */
  ofToken(tokenId: string): Promise<Credential | undefined>
  setActive(uuid: string, isActive: boolean): Promise<void>
  /** Deactivate every credential of the user's own (not their tokens' keys); recovery does this. */
  deactivateAllOfUser(userId: string, trx?: Db): Promise<number>
  /** Record a Fido2 authenticator's signature counter after a successful assertion. */
  setSignCount(uuid: string, signCount: number): Promise<void>
}

export const toCredential = (row: CredentialRow): Credential => ({
  uuid: row.id,
  orgId: row.org_id,
  userId: row.user_id,
  tokenId: row.token_id,
  kind: row.kind as CredentialKind,
  credId: row.cred_id,
  name: row.name,
  publicKey: row.public_key,
  encryptedPrivateKey: row.encrypted_private_key,
  relyingPartyId: row.relying_party_id,
  origin: row.origin,
  signCount: row.sign_count,
  isActive: row.is_active === 1,
  dateCreated: row.date_created,
})

export function createCredentialRepository(db: Db): CredentialRepository {
  return {
    async create(c, trx = db) {
      try {
        await trx
          .insertInto('credentials')
          .values({
            id: c.uuid,
            org_id: c.orgId,
            user_id: c.userId,
            token_id: c.tokenId,
            kind: c.kind,
            cred_id: c.credId,
            name: c.name,
            public_key: c.publicKey,
            encrypted_private_key: c.encryptedPrivateKey,
            relying_party_id: c.relyingPartyId,
            origin: c.origin,
            sign_count: c.signCount,
            is_active: c.isActive ? 1 : 0,
            date_created: c.dateCreated,
          })
          .execute()
      } catch (err) {
        if (isUniqueViolation(err)) {
          throw new AppError('conflict', `A credential with credId ${c.credId} already exists.`, {
            details: { credId: c.credId },
          })
        }
        throw err
      }
    },
    async findByUuid(orgId, uuid) {
      const row = await db
        .selectFrom('credentials')
        .selectAll()
        .where('org_id', '=', orgId)
        .where('id', '=', uuid)
        .executeTakeFirst()
      return row ? toCredential(row) : undefined
    },
    async findByCredId(orgId, credId) {
      const row = await db
        .selectFrom('credentials')
        .selectAll()
        .where('org_id', '=', orgId)
        .where('cred_id', '=', credId)
        .executeTakeFirst()
      return row ? toCredential(row) : undefined
    },
    async listOfUser(userId) {
      const rows = await db
        .selectFrom('credentials')
        .selectAll()
        .where('user_id', '=', userId)
        .where('token_id', 'is', null)
        .orderBy('id')
        .execute()
      return rows.map(toCredential)
    },
    async ofToken(tokenId) {
      const row = await db
        .selectFrom('credentials')
        .selectAll()
        .where('token_id', '=', tokenId)
        .executeTakeFirst()
      return row ? toCredential(row) : undefined
    },
    async setActive(uuid, isActive) {
      await db
        .updateTable('credentials')
        .set({ is_active: isActive ? 1 : 0 })
        .where('id', '=', uuid)
        .execute()
    },
    async deactivateAllOfUser(userId, trx = db) {
      const result = await trx
        .updateTable('credentials')
        .set({ is_active: 0 })
        .where('user_id', '=', userId)
        .where('token_id', 'is', null)
        .where('is_active', '=', 1)
        .executeTakeFirst()
      return Number(result.numUpdatedRows)
    },
    async setSignCount(uuid, signCount) {
      await db.updateTable('credentials').set({ sign_count: signCount }).where('id', '=', uuid).execute()
    },
  }
}
