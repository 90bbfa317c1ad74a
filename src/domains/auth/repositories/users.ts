import type { Selectable, Updateable } from 'kysely'
import { type Db, isUniqueViolation } from '../../../db/database.ts'
import type { AuthTables } from '../../../db/schema.ts'
import { AppError } from '../../../errors.ts'
import type { User, UserKind } from '../model.ts'
import { bit } from './columns.ts'

type UserRow = Selectable<AuthTables['users']>

/** Users and service accounts (a service account is a user row with `isServiceAccount`). */
export interface UserRepository {
  create(user: User, trx?: Db): Promise<void>
  find(orgId: string, userId: string): Promise<User | undefined>
  findByUsername(orgId: string, username: string): Promise<User | undefined>
  /** A page of people (never service accounts) in id order, after `afterId`. */
  listPeople(orgId: string, options: { kind?: UserKind; afterId?: string; limit: number }): Promise<User[]>
  listServiceAccounts(orgId: string): Promise<User[]>
  update(
    orgId: string,
    userId: string,
    patch: Partial<
      Pick<
        User,
        | 'name'
        | 'username'
        | 'isActive'
        | 'isArchived'
        | 'isRegistered'
        | 'isSsoRequired'
        | 'credentialUuid'
        | 'externalId'
        | 'registrationCodeHash'
        | 'registrationCodeExpiresAt'
      >
    >,
    now: Date,
    trx?: Db,
  ): Promise<void>
}

export const toUser = (row: UserRow): User => ({
  id: row.id,
  orgId: row.org_id,
  username: row.username,
  name: row.name,
  kind: row.kind as UserKind,
  isServiceAccount: row.is_service_account === 1,
  isActive: row.is_active === 1,
  isArchived: row.is_archived === 1,
  isRegistered: row.is_registered === 1,
  isSsoRequired: row.is_sso_required === 1,
  credentialUuid: row.credential_uuid,
  externalId: row.external_id,
  registrationCodeHash: row.registration_code_hash,
  registrationCodeExpiresAt: row.registration_code_expires_at,
  dateCreated: row.date_created,
  dateUpdated: row.date_updated,
})

export function createUserRepository(db: Db): UserRepository {
  return {
    async create(user, trx = db) {
      try {
        await trx
          .insertInto('users')
          .values({
            id: user.id,
            org_id: user.orgId,
            username: user.username,
            name: user.name,
            kind: user.kind,
            is_service_account: user.isServiceAccount ? 1 : 0,
            is_active: user.isActive ? 1 : 0,
            is_archived: user.isArchived ? 1 : 0,
            is_registered: user.isRegistered ? 1 : 0,
            is_sso_required: user.isSsoRequired ? 1 : 0,
            credential_uuid: user.credentialUuid,
            external_id: user.externalId,
            registration_code_hash: user.registrationCodeHash,
            registration_code_expires_at: user.registrationCodeExpiresAt,
            date_created: user.dateCreated,
            date_updated: user.dateUpdated,
          })
          .execute()
      } catch (err) {
        if (isUniqueViolation(err)) {
          const what = user.isServiceAccount ? 'A service account named' : 'A user named'
          throw new AppError('conflict', `${what} ${JSON.stringify(user.username)} already exists.`, {
            details: { username: user.username },
          })
        }
        throw err
      }
    },
    async find(orgId, userId) {
      const row = await db
        .selectFrom('users')
        .selectAll()
        .where('org_id', '=', orgId)
        .where('id', '=', userId)
        .executeTakeFirst()
      return row ? toUser(row) : undefined
    },
    async findByUsername(orgId, username) {
      const row = await db
        .selectFrom('users')
        .selectAll()
        .where('org_id', '=', orgId)
        .where('username', '=', username)
        .executeTakeFirst()
      return row ? toUser(row) : undefined
    },
    async listPeople(orgId, { kind, afterId, limit }) {
      let query = db
        .selectFrom('users')
        .selectAll()
        .where('org_id', '=', orgId)
        .where('is_service_account', '=', 0)
      if (kind) query = query.where('kind', '=', kind)
      if (afterId) query = query.where('id', '>', afterId)
      const rows = await query.orderBy('id').limit(limit).execute()
      return rows.map(toUser)
    },
    async listServiceAccounts(orgId) {
      const rows = await db
        .selectFrom('users')
        .selectAll()
        .where('org_id', '=', orgId)
        .where('is_service_account', '=', 1)
        .orderBy('id')
        .execute()
      return rows.map(toUser)
    },
    async update(orgId, userId, patch, now, trx = db) {
      const values: Updateable<AuthTables['users']> = {
        name: patch.name,
        username: patch.username,
        is_active: bit(patch.isActive),
        is_archived: bit(patch.isArchived),
        is_registered: bit(patch.isRegistered),
        is_sso_required: bit(patch.isSsoRequired),
        credential_uuid: patch.credentialUuid,
        external_id: patch.externalId,
        registration_code_hash: patch.registrationCodeHash,
        registration_code_expires_at: patch.registrationCodeExpiresAt,
        date_updated: now.toISOString(),
      }
      try {
        await trx
          .updateTable('users')
          .set(values)
          .where('org_id', '=', orgId)
          .where('id', '=', userId)
          .execute()
      } catch (err) {
        if (isUniqueViolation(err)) {
          throw new AppError('conflict', `The name ${JSON.stringify(patch.username)} is already taken.`, {
            details: { name: patch.username },
          })
        }
        throw err
      }
    },
  }
}
