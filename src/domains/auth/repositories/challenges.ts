import type { Selectable } from 'kysely'
import type { Db } from '../../../db/database.ts'
import type { AuthTables } from '../../../db/schema.ts'
import type { Challenge, ChallengePurpose, CredentialKind } from '../model.ts'

type ChallengeRow = Selectable<AuthTables['auth_challenges']>

export interface ChallengeRepository {
  create(challenge: Challenge, now: Date, trx?: Db): Promise<void>
  find(challengeId: string): Promise<Challenge | undefined>
  /** The newest unused challenge of a purpose issued to a token (registration by temporary token). */
  latestForToken(tokenId: string, purpose: ChallengePurpose): Promise<Challenge | undefined>
  /**
   * Mark a challenge used: a single conditional UPDATE, so of two concurrent answers (on one node or
   * two) exactly one gets `true`.
   */
  consume(challengeId: string, now: Date, trx?: Db): Promise<boolean>
  /** Open (unused, unexpired) challenges matching `of`: how many, their payload characters, the first to expire. */
  open(
    of:
      | { clientAddress: string }
      | { tokenId: string; purpose: ChallengePurpose }
      | { userId: string; purpose: ChallengePurpose },
    now: Date,
  ): Promise<{ count: number; bytes: number; firstExpiry: string | null }>
  /** Delete a user's oldest open challenges of a purpose so that at most `keep` remain. */
  trimOpen(userId: string, purpose: ChallengePurpose, keep: number, now: Date): Promise<void>
  /** Delete every challenge past its expiry (answered or not); returns how many. */
  purgeExpired(now: Date): Promise<number>
}

export const toChallenge = (row: ChallengeRow): Challenge => ({
  id: row.id,
  orgId: row.org_id,
  purpose: row.purpose as ChallengePurpose,
  userId: row.user_id,
  tokenId: row.token_id,
  challenge: row.challenge,
  allowedCredIds: JSON.parse(row.allowed_cred_ids) as string[],
  credentialKind: row.credential_kind as CredentialKind | null,
  httpMethod: row.http_method,
  httpPath: row.http_path,
  payload: row.payload,
  expiresAt: row.expires_at,
  usedAt: row.used_at,
  clientAddress: row.client_address,
})

export function createChallengeRepository(db: Db): ChallengeRepository {
  return {
    async create(c, now, trx = db) {
      await trx
        .insertInto('auth_challenges')
        .values({
          id: c.id,
          org_id: c.orgId,
          purpose: c.purpose,
          user_id: c.userId,
          token_id: c.tokenId,
          challenge: c.challenge,
          allowed_cred_ids: JSON.stringify(c.allowedCredIds),
          credential_kind: c.credentialKind,
          http_method: c.httpMethod,
          http_path: c.httpPath,
          payload: c.payload,
          expires_at: c.expiresAt,
          used_at: c.usedAt,
          date_created: now.toISOString(),
          client_address: c.clientAddress ?? null,
        })
        .execute()
    },
    async find(challengeId) {
      const row = await db
        .selectFrom('auth_challenges')
        .selectAll()
        .where('id', '=', challengeId)
        .executeTakeFirst()
      return row ? toChallenge(row) : undefined
    },
    async latestForToken(tokenId, purpose) {
      const row = await db
        .selectFrom('auth_challenges')
        .selectAll()
        .where('token_id', '=', tokenId)
        .where('purpose', '=', purpose)
        .where('used_at', 'is', null)
        .orderBy('id', 'desc')
        .executeTakeFirst()
      return row ? toChallenge(row) : undefined
    },
    async consume(challengeId, now, trx = db) {
      const result = await trx
        .updateTable('auth_challenges')
        .set({ used_at: now.toISOString() })
        .where('id', '=', challengeId)
        .where('used_at', 'is', null)
        .executeTakeFirst()
      return Number(result.numUpdatedRows) === 1
    },
    async open(of, now) {
      let query = db
        .selectFrom('auth_challenges')
        .select((eb) => [
          eb.fn.countAll<number | string>().as('count'),
          eb.fn
            .sum<number | string | null>(eb.fn('length', [eb.fn.coalesce('payload', eb.val(''))]))
            .as('bytes'),
          eb.fn.min<string | null>('expires_at').as('first_expiry'),
        ])
        .where('used_at', 'is', null)
        .where('expires_at', '>', now.toISOString())
      if ('clientAddress' in of) query = query.where('client_address', '=', of.clientAddress)
      else if ('tokenId' in of)
        query = query.where('token_id', '=', of.tokenId).where('purpose', '=', of.purpose)
      else query = query.where('user_id', '=', of.userId).where('purpose', '=', of.purpose)
      const row = await query.executeTakeFirst()
      return {
        count: Number(row?.count ?? 0),
        bytes: Number(row?.bytes ?? 0),
        firstExpiry: row?.first_expiry ?? null,
      }
    },
    async trimOpen(userId, purpose, keep, now) {
      const open = await db
        .selectFrom('auth_challenges')
        .select('id')
        .where('user_id', '=', userId)
        .where('purpose', '=', purpose)
        .where('used_at', 'is', null)
        .where('expires_at', '>', now.toISOString())
        .orderBy('id', 'desc')
        .execute()
      const drop = open.slice(Math.max(0, keep)).map((r) => r.id)
      if (drop.length > 0) await db.deleteFrom('auth_challenges').where('id', 'in', drop).execute()
    },
    async purgeExpired(now) {
      const result = await db
        .deleteFrom('auth_challenges')
        .where('expires_at', '<=', now.toISOString())
        .executeTakeFirst()
      return Number(result.numDeletedRows)
    },
  }
}
