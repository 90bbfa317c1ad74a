import type { Selectable } from 'kysely'
import { type Db, isUniqueViolation } from '../../../db/database.ts'
import { fixedQuery, type Params } from '../../../db/fixed-query.ts'
import type { AuthTables } from '../../../db/schema.ts'
import { AppError } from '../../../errors.ts'
import type { AccessToken, TokenKind, UserKind } from '../model.ts'
import { bit } from './columns.ts'

type TokenRow = Selectable<AuthTables['access_tokens']>

/** What authentication needs to know, on every request, about a token and its user. */
export interface TokenState {
  tokenId: string
  tokenKind: TokenKind
  tokenActive: boolean
  tokenExpiresAt: string
  orgId: string
  appId: string
  userId: string
  username: string
  userKind: UserKind
  isServiceAccount: boolean
  userActive: boolean
  /** The org's permissions stamp (see `Caller.permissionsVersion`). */
  permissionsVersion: string
  /** The org's policies stamp (see `Caller.policiesVersion`). */
  policiesVersion: string
}

export interface AccessTokenRepository {
  create(token: AccessToken, trx?: Db): Promise<void>
  find(orgId: string, tokenId: string): Promise<AccessToken | undefined>
  listOfUser(userId: string, kind: TokenKind): Promise<AccessToken[]>
  /** The token and its user in one lookup: run on every authenticated request. */
  state(tokenId: string): Promise<TokenState | undefined>
  update(
    orgId: string,
    tokenId: string,
    patch: Partial<Pick<AccessToken, 'name' | 'externalId' | 'isActive' | 'isArchived'>>,
    now: Date,
    trx?: Db,
  ): Promise<void>
  /** Deactivate every active token of a kind held by a user (logout of all sessions). */
  deactivateAllOfUser(userId: string, kind: TokenKind, now: Date, trx?: Db): Promise<void>
  /** Delete expired tokens of a kind that is never shown again once expired (`Temp`). */
  purgeExpired(kind: TokenKind, now: Date): Promise<number>
}

export const toAccessToken = (row: TokenRow): AccessToken => ({
  id: row.id,
  orgId: row.org_id,
  userId: row.user_id,
  appId: row.app_id,
  kind: row.kind as TokenKind,
  name: row.name,
  externalId: row.external_id,
  isActive: row.is_active === 1,
  isArchived: row.is_archived === 1,
  expiresAt: row.expires_at,
  dateCreated: row.date_created,
  dateUpdated: row.date_updated,
})

export function createAccessTokenRepository(db: Db): AccessTokenRepository {
  // Read on every authenticated request: built once.
  const stateOf = fixedQuery(db, (p: Params<{ tokenId: string }>) =>
    db
      .selectFrom('access_tokens as t')
      .innerJoin('users as u', 'u.id', 't.user_id')
      .innerJoin('orgs as o', 'o.id', 't.org_id')
      .select([
        't.id',
        't.kind',
        't.is_active as token_active',
        't.is_archived as token_archived',
        't.expires_at',
        't.org_id',
        't.app_id',
        'u.id as user_id',
        'u.username',
        'u.kind as user_kind',
        'u.is_service_account',
        'u.is_active as user_active',
        'u.is_archived as user_archived',
        'o.permissions_version',
        'o.policies_version',
      ])
      .where('t.id', '=', p.tokenId),
  )
  return {
    async create(token, trx = db) {
      await trx
        .insertInto('access_tokens')
        .values({
          id: token.id,
          org_id: token.orgId,
          user_id: token.userId,
          app_id: token.appId,
          kind: token.kind,
          name: token.name,
          external_id: token.externalId,
          is_active: token.isActive ? 1 : 0,
          is_archived: token.isArchived ? 1 : 0,
          expires_at: token.expiresAt,
          date_created: token.dateCreated,
          date_updated: token.dateUpdated,
        })
        .execute()
    },
    async find(orgId, tokenId) {
      const row = await db
        .selectFrom('access_tokens')
        .selectAll()
        .where('org_id', '=', orgId)
        .where('id', '=', tokenId)
        .executeTakeFirst()
      return row ? toAccessToken(row) : undefined
    },
    async listOfUser(userId, kind) {
      const rows = await db
        .selectFrom('access_tokens')
        .selectAll()
        .where('user_id', '=', userId)
        .where('kind', '=', kind)
        .orderBy('id')
        .execute()
      return rows.map(toAccessToken)
    },
    async state(tokenId) {
      const row = await stateOf.first({ tokenId })
      if (!row) return undefined
      return {
        tokenId: row.id,
        tokenKind: row.kind as TokenKind,
        tokenActive: row.token_active === 1 && row.token_archived === 0,
        tokenExpiresAt: row.expires_at,
        orgId: row.org_id,
        appId: row.app_id,
        userId: row.user_id,
        username: row.username,
        userKind: row.user_kind as UserKind,
        isServiceAccount: row.is_service_account === 1,
        userActive: row.user_active === 1 && row.user_archived === 0,
        permissionsVersion: row.permissions_version,
        policiesVersion: row.policies_version,
      }
    },
    async update(orgId, tokenId, patch, now, trx = db) {
      try {
        await trx
          .updateTable('access_tokens')
          .set({
            name: patch.name,
            external_id: patch.externalId,
            is_active: bit(patch.isActive),
            is_archived: bit(patch.isArchived),
            date_updated: now.toISOString(),
          })
          .where('org_id', '=', orgId)
          .where('id', '=', tokenId)
          .execute()
      } catch (err) {
        if (isUniqueViolation(err)) {
          throw new AppError('conflict', `The name ${JSON.stringify(patch.name)} is already taken.`)
        }
        throw err
      }
    },
    async deactivateAllOfUser(userId, kind, now, trx = db) {
      await trx
        .updateTable('access_tokens')
        .set({ is_active: 0, date_updated: now.toISOString() })
        .where('user_id', '=', userId)
        .where('kind', '=', kind)
        .where('is_active', '=', 1)
        .execute()
    },
    async purgeExpired(kind, now) {
      const result = await db
        .deleteFrom('access_tokens')
        .where('kind', '=', kind)
        .where('expires_at', '<=', now.toISOString())
        .executeTakeFirst()
      return Number(result.numDeletedRows)
    },
  }
}
