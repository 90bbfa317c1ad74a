import { type Selectable, sql } from 'kysely'
import { type Db, isUniqueViolation } from '../../../db/database.ts'
import { fixedQuery, type Params } from '../../../db/fixed-query.ts'
import type { AuthTables } from '../../../db/schema.ts'
import type { UserActionRecord } from '../model.ts'

type UserActionRow = Selectable<AuthTables['user_actions']>

export interface UserActionRepository {
  /**
   * Store the action answering a user-action challenge, which consumes the challenge (a trigger
   * marks it used): one INSERT … SELECT that stores nothing unless the challenge is still open
   * (unused, unexpired), issued to this caller, and the credential is active and the caller's.
   * The caller, method, path and payload are copied from the challenge row. Of two concurrent
   * answers at most one is stored (the unique index on challenge_id): false for the other, and
   * whenever nothing was stored.
   */
  createAnswering(action: AnsweringAction): Promise<boolean>
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

/** What answering a challenge stores besides what the challenge row holds. */
export type AnsweringAction = Pick<
  UserActionRecord,
  | 'id'
  | 'tokenHash'
  | 'orgId'
  | 'userId'
  | 'tokenId'
  | 'credentialUuid'
  | 'clientData'
  | 'signature'
  | 'authenticatorData'
  | 'expiresAt'
  | 'dateCreated'
> & { challengeId: string }

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
  const insertAnswering = fixedQuery(db, (p: Params<AnsweringAction>) =>
    db
      .insertInto('user_actions')
      .columns([
        'id',
        'token_hash',
        'org_id',
        'user_id',
        'token_id',
        'http_method',
        'http_path',
        'payload',
        'credential_uuid',
        'client_data',
        'signature',
        'authenticator_data',
        'expires_at',
        'date_created',
        'challenge_id',
      ])
      .expression(
        db
          .selectFrom('auth_challenges as c')
          .select((eb) => [
            eb.val(p.id).as('id'),
            eb.val(p.tokenHash).as('token_hash'),
            'c.org_id',
            'c.user_id',
            sql<string>`c.token_id`.as('token_id'),
            eb.fn.coalesce('c.http_method', eb.val('')).as('http_method'),
            eb.fn.coalesce('c.http_path', eb.val('')).as('http_path'),
            eb.fn.coalesce('c.payload', eb.val('')).as('payload'),
            eb.val(p.credentialUuid).as('credential_uuid'),
            eb.val(p.clientData).as('client_data'),
            eb.val(p.signature).as('signature'),
            eb.val(p.authenticatorData).as('authenticator_data'),
            eb.val(p.expiresAt).as('expires_at'),
            eb.val(p.dateCreated).as('date_created'),
            'c.id',
          ])
          .where('c.id', '=', p.challengeId)
          .where('c.purpose', '=', 'UserAction')
          .where('c.org_id', '=', p.orgId)
          .where('c.user_id', '=', p.userId)
          .where('c.token_id', '=', p.tokenId)
          .where('c.used_at', 'is', null)
          .where('c.expires_at', '>', p.dateCreated)
          .where((eb) =>
            eb.exists(
              eb
                .selectFrom('credentials as k')
                .select('k.id')
                .where('k.id', '=', p.credentialUuid)
                .whereRef('k.org_id', '=', 'c.org_id')
                .whereRef('k.user_id', '=', 'c.user_id')
                .where('k.is_active', '=', 1),
            ),
          ),
      )
      .returning('id'),
  )
  return {
    async createAnswering(action) {
      try {
        return (await insertAnswering.first(action)) !== undefined
      } catch (err) {
        // The other answer of this challenge was stored first.
        if (isUniqueViolation(err)) return false
        throw err
      }
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
