import type { Selectable } from 'kysely'
import type { Db } from '../../../db/database.ts'
import { fixedQuery, type Params } from '../../../db/fixed-query.ts'
import type { AuthTables } from '../../../db/schema.ts'
import type { UserActionRecord } from '../model.ts'

type UserActionRow = Selectable<AuthTables['user_actions']>

export interface UserActionRepository {
  create(action: UserActionRecord): Promise<void>
  findByTokenHash(tokenHash: string): Promise<UserActionRecord | undefined>
  find(orgId: string, id: string): Promise<UserActionRecord | undefined>
  /**
   * Use a userAction token: one conditional UPDATE (`… WHERE id = ? AND used_at IS NULL`), so when
   * the same token reaches two nodes at the same instant exactly one of them gets `true`.
   */
  consume(id: string, now: Date): Promise<boolean>
  /**
   * Use a userAction token sent exactly as it was signed, in one conditional UPDATE … RETURNING:
   * the caller, method, path and body are the stored ones to the character, it is unused and
   * unexpired. The action as consumed, or undefined when any of that fails (the caller then reads
   * it to say which); single-use as `consume`.
   */
  consumeExact(
    tokenHash: string,
    sent: { orgId: string; userId: string; tokenId: string; method: string; path: string; body: string },
    now: Date,
  ): Promise<UserActionRecord | undefined>
  /** Delete userAction tokens that expired unused (never performed, so not audit records). */
  purgeUnused(now: Date): Promise<number>
  listPerformed(
    orgId: string,
    options: { from: string; to: string; userId?: string; limit: number },
  ): Promise<UserActionRecord[]>
}

const toRecord = (row: UserActionRow): UserActionRecord => ({
  id: row.id,
  tokenHash: row.token_hash,
  orgId: row.org_id,
  userId: row.user_id,
  tokenId: row.token_id,
  httpMethod: row.http_method,
  httpPath: row.http_path,
  payload: row.payload,
  credentialUuid: row.credential_uuid,
  clientData: row.client_data,
  signature: row.signature,
  authenticatorData: row.authenticator_data,
  expiresAt: row.expires_at,
  usedAt: row.used_at,
  dateCreated: row.date_created,
})

/** A user action as the request that spends it must match it, and the time it is spent at. */
type ExactUse = { tokenHash: string; at: string; orgId: string; userId: string; tokenId: string } & {
  method: string
  path: string
  body: string
}

export function createUserActionRepository(db: Db): UserActionRepository {
  // Every signed request consumes its user action with this statement: built once.
  const consumeExactly = fixedQuery(db, (p: Params<ExactUse>) =>
    db
      .updateTable('user_actions')
      .set({ used_at: p.at })
      .where('token_hash', '=', p.tokenHash)
      .where('used_at', 'is', null)
      .where('expires_at', '>', p.at)
      .where('org_id', '=', p.orgId)
      .where('user_id', '=', p.userId)
      .where('token_id', '=', p.tokenId)
      .where('http_method', '=', p.method)
      .where('http_path', '=', p.path)
      .where('payload', '=', p.body)
      .returningAll(),
  )
  return {
    async create(a) {
      await db
        .insertInto('user_actions')
        .values({
          id: a.id,
          token_hash: a.tokenHash,
          org_id: a.orgId,
          user_id: a.userId,
          token_id: a.tokenId,
          http_method: a.httpMethod,
          http_path: a.httpPath,
          payload: a.payload,
          credential_uuid: a.credentialUuid,
          client_data: a.clientData,
          signature: a.signature,
          authenticator_data: a.authenticatorData,
          expires_at: a.expiresAt,
          used_at: a.usedAt,
          date_created: a.dateCreated,
        })
        .execute()
    },
    async findByTokenHash(tokenHash) {
      const row = await db
        .selectFrom('user_actions')
        .selectAll()
        .where('token_hash', '=', tokenHash)
        .executeTakeFirst()
      return row ? toRecord(row) : undefined
    },
    async find(orgId, id) {
      const row = await db
        .selectFrom('user_actions')
        .selectAll()
        .where('org_id', '=', orgId)
        .where('id', '=', id)
        .executeTakeFirst()
      return row ? toRecord(row) : undefined
    },
    async consume(id, now) {
      const result = await db
        .updateTable('user_actions')
        .set({ used_at: now.toISOString() })
        .where('id', '=', id)
        .where('used_at', 'is', null)
        .executeTakeFirst()
      return Number(result.numUpdatedRows) === 1
    },
    async consumeExact(tokenHash, sent, now) {
      const at = now.toISOString()
      const row = await consumeExactly.first({ tokenHash, at, ...sent })
      return row ? toRecord(row) : undefined
    },
    async purgeUnused(now) {
      const result = await db
        .deleteFrom('user_actions')
        .where('used_at', 'is', null)
        .where('expires_at', '<=', now.toISOString())
        .executeTakeFirst()
      return Number(result.numDeletedRows)
    },
    async listPerformed(orgId, { from, to, userId, limit }) {
      let query = db
        .selectFrom('user_actions')
        .selectAll()
        .where('org_id', '=', orgId)
        .where('used_at', '>=', from)
        .where('used_at', '<=', to)
      if (userId) query = query.where('user_id', '=', userId)
      const rows = await query.orderBy('used_at').limit(limit).execute()
      return rows.map(toRecord)
    },
  }
}
