import { sql } from 'kysely'
import type { Db } from '../../../db/database.ts'
import { fixedQuery, type Params } from '../../../db/fixed-query.ts'
import { dialectOf, jsonArray, jsonGroupArray } from '../../../db/json-sql.ts'
import { type Challenge, type Credential, type CredentialKind, openLimits, signingKinds } from '../model.ts'
import { toChallenge } from './challenges.ts'
import { toCredential } from './credentials.ts'

/**
 * The two reads-with-writes of the user-action flow, each one statement (issue 14, hot paths):
 * opening a challenge checks the token's caps and the caller's credentials as it inserts, and
 * answering reads the challenge with the answering credential.
 */

/** A credential as a challenge offers it to its caller. */
export type OfferedCredential = Pick<Credential, 'credId' | 'kind' | 'encryptedPrivateKey'>

export interface UserActionChallengeInput {
  id: string
  orgId: string
  userId: string
  tokenId: string
  /** A service account's or PAT's own key signs, not its user's credentials. */
  signsWithTokenKey: boolean
  challenge: string
  method: string
  path: string
  payload: string
  expiresAt: string
  now: string
}

export interface UserActionChallengeRepository {
  /**
   * Insert a user-action challenge only if the token stays within `openLimits` (open challenges,
   * their payload characters with this one) and the caller has a usable signing credential; the
   * credentials it names, or undefined when nothing was inserted (the caller reads why). The caps
   * are checked by the insert itself, so concurrent opens overshoot them no more than counting
   * first did.
   */
  open(input: UserActionChallengeInput): Promise<OfferedCredential[] | undefined>
  /** A challenge with the credential of `credId` in its org (if any), in one read. */
  findWithCredential(
    challengeId: string,
    credId: string,
  ): Promise<{ challenge: Challenge; credential: Credential | undefined } | undefined>
}

type OpenParams = Omit<UserActionChallengeInput, 'signsWithTokenKey'> & { payloadLength: number }

const credentialColumns = [
  'id',
  'org_id',
  'user_id',
  'token_id',
  'kind',
  'cred_id',
  'name',
  'public_key',
  'encrypted_private_key',
  'relying_party_id',
  'origin',
  'sign_count',
  'is_active',
  'date_created',
] as const

export function createUserActionChallengeRepository(db: Db): UserActionChallengeRepository {
  const dialect = dialectOf(db)
  /** The caller's usable credentials: the token's key, or the user's own credentials. */
  const usable = (p: Params<OpenParams>, byToken: boolean) => {
    const mine = db
      .selectFrom('credentials')
      .where('org_id', '=', p.orgId)
      .where('is_active', '=', 1)
      .where('kind', 'in', [...signingKinds])
    return byToken
      ? mine.where('token_id', '=', p.tokenId)
      : mine.where('user_id', '=', p.userId).where('token_id', 'is', null)
  }
  const openQuery = (byToken: boolean) =>
    fixedQuery(db, (p: Params<OpenParams>) => {
      const offered = jsonArray(dialect, [
        sql.ref('cred_id'),
        sql.ref('kind'),
        sql.ref('encrypted_private_key'),
      ])
      const credentials = usable(p, byToken).select(jsonGroupArray(dialect, offered, sql.ref('id')).as('all'))
      const open = db
        .selectFrom('auth_challenges')
        .select((eb) => [
          eb.fn.countAll().as('n'),
          eb.fn
            .coalesce(eb.fn.sum(eb.fn('length', [eb.fn.coalesce('payload', eb.val(''))])), eb.val(0))
            .as('bytes'),
        ])
        .where('token_id', '=', p.tokenId)
        .where('purpose', '=', 'UserAction')
        .where('used_at', 'is', null)
        .where('expires_at', '>', p.now)
      const ids = usable(p, byToken).select((eb) => [
        jsonGroupArray(dialect, sql.ref('cred_id'), sql.ref('id')).as('cred_ids'),
        eb.fn.countAll().as('n'),
      ])
      return db
        .insertInto('auth_challenges')
        .columns([
          'id',
          'org_id',
          'purpose',
          'user_id',
          'token_id',
          'challenge',
          'allowed_cred_ids',
          'http_method',
          'http_path',
          'payload',
          'expires_at',
          'date_created',
        ])
        .expression(
          db
            .selectFrom([ids.as('u'), open.as('o')])
            .select((eb) => [
              eb.val(p.id).as('id'),
              eb.val(p.orgId).as('org_id'),
              eb.val('UserAction').as('purpose'),
              eb.val(p.userId).as('user_id'),
              eb.val(p.tokenId).as('token_id'),
              eb.val(p.challenge).as('challenge'),
              sql<string>`u.cred_ids`.as('allowed_cred_ids'),
              eb.val(p.method).as('http_method'),
              eb.val(p.path).as('http_path'),
              eb.val(p.payload).as('payload'),
              eb.val(p.expiresAt).as('expires_at'),
              eb.val(p.now).as('date_created'),
            ])
            .where(sql.ref('u.n'), '>', 0)
            .where(sql.ref('o.n'), '<', openLimits.userActionsPerToken)
            .where(sql`o.bytes + ${p.payloadLength}`, '<=', openLimits.userActionPayloadPerToken),
        )
        .returning([sql<string>`(${credentials})`.as('credentials')])
    })
  const openByToken = openQuery(true)
  const openByUser = openQuery(false)

  const withCredential = fixedQuery(db, (p: Params<{ challengeId: string; credId: string }>) =>
    db
      .selectFrom('auth_challenges as c')
      .leftJoin('credentials as k', (join) =>
        join.onRef('k.org_id', '=', 'c.org_id').on('k.cred_id', '=', p.credId),
      )
      .selectAll('c')
      .select(credentialColumns.map((column) => sql.ref<unknown>(`k.${column}`).as(`k_${column}`)))
      .where('c.id', '=', p.challengeId),
  )

  return {
    async open({ signsWithTokenKey, ...input }) {
      const query = signsWithTokenKey ? openByToken : openByUser
      const row = await query.first({ ...input, payloadLength: input.payload.length })
      if (!row) return undefined
      const offered = JSON.parse((row as { credentials: string }).credentials) as [
        string,
        string,
        string | null,
      ][]
      return offered.map(([credId, kind, encryptedPrivateKey]) => ({
        credId,
        kind: kind as CredentialKind,
        encryptedPrivateKey,
      }))
    },
    async findWithCredential(challengeId, credId) {
      const row = (await withCredential.first({ challengeId, credId })) as Record<string, unknown> | undefined
      if (!row) return undefined
      const credential = row.k_id == null ? undefined : toCredential(credentialOf(row))
      return { challenge: toChallenge(row as Parameters<typeof toChallenge>[0]), credential }
    },
  }
}

/** The joined credential's columns (`k_…`) as a credential row. */
function credentialOf(row: Record<string, unknown>): Parameters<typeof toCredential>[0] {
  const entries = credentialColumns.map((column) => [column, row[`k_${column}`]] as const)
  return Object.fromEntries(entries) as Parameters<typeof toCredential>[0]
}
