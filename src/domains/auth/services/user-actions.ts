import { createHash, randomBytes } from 'node:crypto'
import { canonicalJson } from '../../../canonical-json.ts'
import { AppError } from '../../../errors.ts'
import type { Caller } from '../../../http/context.ts'
import { newId } from '../../../ids.ts'
import { type Credential, lifetimes, signsWithOwnKey, type UserActionRecord } from '../model.ts'
import type { AuditLogView, ChallengeView, SignChallengeBody, UserActionInitBody } from '../schemas.ts'
import type { ChallengeService } from './challenges.ts'
import type { AuthDeps } from './context.ts'
import type { OpenLimitService } from './open-limits.ts'

/**
 * User-action signing; the invariants are listed in ../README.md.
 *
 * init   → a challenge bound to the caller (user + token) and to method, path and exact payload,
 *          inserted only within the token's caps and when the caller has a usable credential.
 * sign   → the challenge answered by an allowed credential → a single-use userAction token
 *          (random 256 bits; only its SHA-256 is stored), valid for lifetimes.userAction. Storing
 *          it consumes the challenge (one INSERT, unique per challenge).
 * verify → on the target request: same caller, method, path and body, unused, unexpired; consumed
 *          with one conditional UPDATE.
 */

const hashToken = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex')

export type UserActionService = ReturnType<typeof createUserActionService>

export function createUserActionService(
  ctx: AuthDeps<'credentials' | 'userActions' | 'users', 'clock'>,
  { challenges, openLimits }: { challenges: ChallengeService; openLimits: OpenLimitService },
) {
  /** The credentials that may sign for this caller: a token's own key, or the user's credentials. */
  async function signingCredentialsOf(caller: Caller): Promise<Credential[]> {
    if (signsWithOwnKey(caller.tokenKind)) {
      const key = await ctx.repos.credentials.ofToken(caller.tokenId)
      return key ? [key] : []
    }
    return ctx.repos.credentials.listOfUser(caller.userId)
  }

  async function initUserAction(caller: Caller, body: UserActionInitBody): Promise<ChallengeView> {
    const http = {
      method: body.userActionHttpMethod,
      path: body.userActionHttpPath,
      payload: body.userActionPayload,
    }
    // The usual case in one statement; when it stores nothing, the steps below say why (429 when
    // a cap is reached, 401 without a usable credential), or open it if that has changed since.
    const opened = await challenges.issueUserActionChallenge(caller, http)
    if (opened) return opened
    await openLimits.assertTokenMayOpen(caller.tokenId, body.userActionPayload.length)
    return challenges.issueSigningChallenge({
      orgId: caller.orgId,
      purpose: 'UserAction',
      userId: caller.userId,
      tokenId: caller.tokenId,
      credentials: await signingCredentialsOf(caller),
      http,
    })
  }

  async function signUserAction(caller: Caller, body: SignChallengeBody): Promise<{ userAction: string }> {
    const expect = {
      purpose: 'UserAction' as const,
      orgId: caller.orgId,
      userId: caller.userId,
      tokenId: caller.tokenId,
    }
    const credId = body.firstFactor.credentialAssertion?.credId ?? ''
    const { challenge, credential } = await challenges.openChallengeWithCredential(
      body.challengeIdentifier,
      credId,
      expect,
    )
    const answered = await challenges.verifyAnswer(challenge, body.firstFactor, async () => credential)
    const token = randomBytes(32).toString('base64url')
    const now = ctx.clock.now()
    const stored = await ctx.repos.userActions.createAnswering({
      id: newId('userAction', now.getTime()),
      tokenHash: hashToken(token),
      orgId: caller.orgId,
      userId: caller.userId,
      tokenId: caller.tokenId,
      credentialUuid: answered.credential.uuid,
      clientData: answered.clientData,
      signature: answered.signature,
      authenticatorData: answered.authenticatorData,
      expiresAt: new Date(now.getTime() + lifetimes.userAction).toISOString(),
      dateCreated: now.toISOString(),
      challengeId: challenge.id,
    })
    if (!stored) await whyNotStored(body, credId, expect)
    return { userAction: token }
  }

  /**
   * Nothing was stored: since it was read, the challenge was answered or expired, or the
   * credential was deactivated. Read both again (one statement) to answer as when that is seen up
   * front; otherwise the other answer won: 400 "already answered".
   */
  async function whyNotStored(
    body: SignChallengeBody,
    credId: string,
    expect: Parameters<ChallengeService['openChallenge']>[1],
  ): Promise<never> {
    const { challenge, credential } = await challenges.openChallengeWithCredential(
      body.challengeIdentifier,
      credId,
      expect,
    )
    // Only the credential checks again (verifyAnswer refuses at them before any signature check):
    // the signature verified already, and a Fido2 counter would refuse the same assertion twice.
    if (!challenges.mayAnswer(challenge, credential)) {
      await challenges.verifyAnswer(challenge, body.firstFactor, async () => credential)
    }
    throw challenges.alreadyAnswered(challenge.id)
  }

  /**
   * Check and consume the `x-dfns-useraction` of a request. Missing, unknown, expired or bound to
   * another caller / method / path / body → 403; already used → 400.
   */
  async function consumeUserAction(
    caller: Caller,
    request: { header: string | undefined; method: string; url: string; rawBody: string | undefined },
  ): Promise<UserActionRecord> {
    const header = request.header?.trim()
    if (!header) throw invalid('the x-dfns-useraction header is missing')
    if (header.length > 200) throw invalid('the x-dfns-useraction header is not a user action token')
    const tokenHash = hashToken(header)
    // The usual case in one statement; anything else is read back below to answer why it failed.
    const exact = await ctx.repos.userActions.consumeExact(
      tokenHash,
      {
        orgId: caller.orgId,
        userId: caller.userId,
        tokenId: caller.tokenId,
        method: request.method,
        path: request.url,
        body: request.rawBody ?? '',
      },
      ctx.clock.now(),
    )
    if (exact) return exact
    const record = await ctx.repos.userActions.findByTokenHash(tokenHash)
    if (!record || record.orgId !== caller.orgId) throw invalid('the user action token is unknown')
    if (record.userId !== caller.userId || record.tokenId !== caller.tokenId) {
      throw invalid('the user action was signed for another caller')
    }
    if (record.httpMethod !== request.method) {
      throw invalid('the user action was signed for another method', {
        signed: record.httpMethod,
        sent: request.method,
      })
    }
    if (!samePath(record.httpPath, request.url)) {
      throw invalid('the user action was signed for another path', { signed: record.httpPath })
    }
    if (!sameBody(record.payload, request.rawBody ?? ''))
      throw invalid('the user action was signed for another body')
    if (record.usedAt !== null) {
      throw new AppError('user_action_used', 'user action has already been used', {
        details: { userActionId: record.id },
      })
    }
    const now = ctx.clock.now()
    if (record.expiresAt <= now.toISOString()) throw invalid(`the user action expired at ${record.expiresAt}`)
    if (!(await ctx.repos.userActions.consume(record.id, now))) {
      throw new AppError('user_action_used', 'user action has already been used', {
        details: { userActionId: record.id },
      })
    }
    return { ...record, usedAt: now.toISOString() }
  }

  /**
   * `GET /auth/action/logs` answers a JSON string (as the SDK types it): a CSV export, one line per
   * user action performed in [startTime, endTime] (default: the last 24 hours).
   */
  async function exportAuditLog(
    caller: Caller,
    query: { startTime?: string | undefined; endTime?: string | undefined; userId?: string | undefined },
  ): Promise<string> {
    const now = ctx.clock.now()
    const from = parseTime(query.startTime, 'startTime', new Date(now.getTime() - 86_400_000))
    const to = parseTime(query.endTime, 'endTime', now)
    const rows = await ctx.repos.userActions.listPerformed(caller.orgId, {
      from,
      to,
      limit: AUDIT_EXPORT_LIMIT,
      ...(query.userId ? { userId: query.userId } : {}),
    })
    const users = new Map<string, string>()
    for (const id of new Set(rows.map((r) => r.userId))) {
      users.set(id, (await ctx.repos.users.find(caller.orgId, id))?.username ?? '')
    }
    const lines = ['id,action,userId,username,datePerformed,credentialUuid']
    for (const r of rows) {
      lines.push(
        [
          r.id,
          `${r.httpMethod} ${r.httpPath}`,
          r.userId,
          users.get(r.userId) ?? '',
          r.usedAt,
          r.credentialUuid,
        ]
          .map(csvCell)
          .join(','),
      )
    }
    return `${lines.join('\n')}\n`
  }

  async function getAuditLog(caller: Caller, id: string): Promise<AuditLogView> {
    const record = await ctx.repos.userActions.find(caller.orgId, id)
    if (!record) {
      throw new AppError('not_found', `audit log ${id} not found`, { details: { id, orgId: caller.orgId } })
    }
    const user = await ctx.repos.users.find(caller.orgId, record.userId)
    const credential = await ctx.repos.credentials.findByUuid(caller.orgId, record.credentialUuid)
    return {
      id: record.id,
      action: `${record.httpMethod} ${record.httpPath}`,
      // A fingerprint, never the token itself (it may still be unused).
      actionToken: `sha256:${record.tokenHash}`,
      userId: record.userId,
      username: user?.username ?? null,
      datePerformed: record.usedAt,
      firstFactorCredential: {
        id: credential?.credId ?? record.credentialUuid,
        kind: credential?.kind ?? null,
        publicKey: credential?.publicKey ?? '',
        assertion: {
          authenticatorData: record.authenticatorData,
          clientData: record.clientData,
          signature: record.signature,
        },
      },
    }
  }

  return {
    signingCredentialsOf,
    initUserAction,
    signUserAction,
    consumeUserAction,
    exportAuditLog,
    getAuditLog,
  }
}

const invalid = (reason: string, details: Record<string, unknown> = {}) =>
  new AppError('user_action_invalid', 'user action signature is missing or invalid', {
    details: { reason, ...details },
  })

function safeDecode(path: string): string {
  try {
    return decodeURIComponent(path)
  } catch {
    return path
  }
}

/** Pathnames must match; a query is compared only when the signed path carried one. */
function samePath(signed: string, requestUrl: string): boolean {
  const [signedPath = '', signedQuery] = signed.split('?', 2)
  const [requestPath = '', requestQuery] = requestUrl.split('?', 2)
  if (signedPath !== requestPath && safeDecode(signedPath) !== safeDecode(requestPath)) return false
  return signedQuery === undefined || signedQuery === (requestQuery ?? '')
}

/** The canonical form of a JSON text, or undefined when it is not JSON. */
function canonicalJsonText(text: string): string | undefined {
  try {
    return canonicalJson(JSON.parse(text))
  } catch {
    return undefined
  }
}

/** The exact bytes must match; a body that is the same JSON with other spacing or key order is accepted too. */
function sameBody(signed: string, sent: string): boolean {
  if (signed === sent) return true
  const a = canonicalJsonText(signed)
  return a !== undefined && a === canonicalJsonText(sent)
}

// --- audit log -------------------------------------------------------------------------------------

const AUDIT_EXPORT_LIMIT = 10_000

function parseTime(value: string | undefined, field: string, fallback: Date): string {
  if (value === undefined || value === '') return fallback.toISOString()
  const ms = /^\d+$/.test(value) ? Number(value) * (value.length <= 10 ? 1000 : 1) : Date.parse(value)
  // A finite number can still be past what a Date holds (±8.64e15 ms): that is bad input too.
  if (!Number.isFinite(ms) || Number.isNaN(new Date(ms).getTime())) {
    throw new AppError(
      'validation_failed',
      `Invalid query.${field}: expected an ISO-8601 date or unix time.`,
      {
        details: { field, location: 'querystring' },
      },
    )
  }
  return new Date(ms).toISOString()
}

const csvCell = (value: string | null) => (value === null ? '' : `"${value.replaceAll('"', '""')}"`)
