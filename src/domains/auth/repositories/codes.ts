import type { Selectable } from 'kysely'
import type { Db } from '../../../db/database.ts'
import type { AuthTables } from '../../../db/schema.ts'

type CodeRow = Selectable<AuthTables['auth_codes']>

export type CodePurpose = 'Recovery' | 'Login' | 'Credential' | 'Registration' | 'Sso' | 'IdToken'

/** A one-time code as stored: its hash, never the code. */
export interface OneTimeCode {
  id: string
  orgId: string
  userId: string | null
  purpose: CodePurpose
  codeHash: string
  payload: string | null
  attempts: number
  clientAddress: string | null
  expiresAt: string
  usedAt: string | null
  dateCreated: string
}

export interface CodeRepository {
  create(code: OneTimeCode): Promise<void>
  /** A user's unused, unexpired codes of a purpose, newest first. */
  openOfUser(userId: string, purpose: CodePurpose, now: Date): Promise<OneTimeCode[]>
  /** The code of a purpose with this hash (codes looked up by themselves: credential codes, Sso state). */
  findByHash(purpose: CodePurpose, codeHash: string): Promise<OneTimeCode | undefined>
  /** Mark used: a conditional UPDATE, so of two concurrent redemptions exactly one gets `true`. */
  consume(id: string, now: Date): Promise<boolean>
  /** Count a wrong guess; burn the code (mark it used) once `maxAttempts` is reached. */
  recordFailure(id: string, maxAttempts: number, now: Date): Promise<void>
  /** How many codes were issued since `since`, to a user for a purpose or to an address. */
  issuedSince(
    of: { userId: string; purpose: CodePurpose } | { clientAddress: string },
    since: Date,
  ): Promise<{ count: number; oldest: string | null }>
  /** Delete every code past its expiry (used or not); returns how many. */
  purgeExpired(now: Date): Promise<number>
}

const toCode = (row: CodeRow): OneTimeCode => ({
  id: row.id,
  orgId: row.org_id,
  userId: row.user_id,
  purpose: row.purpose as CodePurpose,
  codeHash: row.code_hash,
  payload: row.payload,
  attempts: Number(row.attempts),
  clientAddress: row.client_address,
  expiresAt: row.expires_at,
  usedAt: row.used_at,
  dateCreated: row.date_created,
})

export function createCodeRepository(db: Db): CodeRepository {
  return {
    async create(c) {
      await db
        .insertInto('auth_codes')
        .values({
          id: c.id,
          org_id: c.orgId,
          user_id: c.userId,
          purpose: c.purpose,
          code_hash: c.codeHash,
          payload: c.payload,
          attempts: c.attempts,
          client_address: c.clientAddress,
          expires_at: c.expiresAt,
          used_at: c.usedAt,
          date_created: c.dateCreated,
        })
        .execute()
    },
    async openOfUser(userId, purpose, now) {
      const rows = await db
        .selectFrom('auth_codes')
        .selectAll()
        .where('user_id', '=', userId)
        .where('purpose', '=', purpose)
        .where('used_at', 'is', null)
        .where('expires_at', '>', now.toISOString())
        .orderBy('id', 'desc')
        .execute()
      return rows.map(toCode)
    },
    async findByHash(purpose, codeHash) {
      const row = await db
        .selectFrom('auth_codes')
        .selectAll()
        .where('code_hash', '=', codeHash)
        .where('purpose', '=', purpose)
        .executeTakeFirst()
      return row ? toCode(row) : undefined
    },
    async consume(id, now) {
      const result = await db
        .updateTable('auth_codes')
        .set({ used_at: now.toISOString() })
        .where('id', '=', id)
        .where('used_at', 'is', null)
        .executeTakeFirst()
      return Number(result.numUpdatedRows) === 1
    },
    async recordFailure(id, maxAttempts, now) {
      await db
        .updateTable('auth_codes')
        .set((eb) => ({ attempts: eb('attempts', '+', 1) }))
        .where('id', '=', id)
        .execute()
      await db
        .updateTable('auth_codes')
        .set({ used_at: now.toISOString() })
        .where('id', '=', id)
        .where('used_at', 'is', null)
        .where('attempts', '>=', maxAttempts)
        .execute()
    },
    async issuedSince(of, since) {
      let query = db
        .selectFrom('auth_codes')
        .select((eb) => [
          eb.fn.countAll<number | string>().as('count'),
          eb.fn.min<string | null>('date_created').as('oldest'),
        ])
        .where('date_created', '>', since.toISOString())
      if ('clientAddress' in of) query = query.where('client_address', '=', of.clientAddress)
      else query = query.where('user_id', '=', of.userId).where('purpose', '=', of.purpose)
      const row = await query.executeTakeFirst()
      return { count: Number(row?.count ?? 0), oldest: row?.oldest ?? null }
    },
    async purgeExpired(now) {
      const result = await db
        .deleteFrom('auth_codes')
        .where('expires_at', '<=', now.toISOString())
        .executeTakeFirst()
      return Number(result.numDeletedRows)
    },
  }
}
