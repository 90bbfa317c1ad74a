import { AppError } from '../../../errors.ts'
import type { Caller } from '../../../http/context.ts'
import type { CreateCredentialWithCodeBody } from '../flow-schemas.ts'
import { lifetimes } from '../model.ts'
import type { CredentialChallengeView, CredentialView } from '../schemas.ts'
import type { ChallengeService } from './challenges.ts'
import { type CodeService, hashCode } from './codes.ts'
import type { AuthDeps } from './context.ts'
import { type CredentialService, registrableKind } from './credentials.ts'
import type { OpenLimitService } from './open-limits.ts'
import { requireLoginSession } from './token-scope.ts'

export type CredentialCodeService = ReturnType<typeof createCredentialCodeService>

export function createCredentialCodeService(
  ctx: AuthDeps<'codes' | 'users', 'clock'>,
  {
    challenges,
    codes,
    credentials,
    openLimits,
  }: {
    challenges: ChallengeService
    codes: CodeService
    credentials: CredentialService
    openLimits: OpenLimitService
  },
) {
  /**
   * Credential codes: a user with a login session (on device A) makes a short-lived, single-use code
   * (a signed user action), and device B, which has no session, adds a credential with it:
   * `createCredentialChallengeWithCode` spends the code and returns a challenge bound to the user,
   * `createCredentialWithCode` stores the credential that attests it.
   *
   * The code is the only thing device B presents, so it is looked up by its SHA-256 and is longer than
   * the e-mailed codes (16 characters, 80 bits); it lives until the `expiration` its maker chose, at
   * most `lifetimes.credentialCodeMax`, and is consumed by the first challenge made with it.
   */

  function expirationOf(raw: string | number): Date {
    // A number (or a string of digits: validation may have made it one) is a unix timestamp in
    // seconds; anything else an ISO-8601 datetime.
    const unix = typeof raw === 'number' || /^\d+$/.test(raw)
    const at = unix ? new Date(Number(raw) * 1000) : new Date(raw)
    const now = ctx.clock.now().getTime()
    if (Number.isNaN(at.getTime()) || (!unix && !/^\d{4}-\d{2}-\d{2}T/.test(String(raw)))) {
      throw new AppError(
        'validation_failed',
        'Invalid expiration: an ISO-8601 datetime or a unix timestamp.',
        {
          details: { field: 'expiration' },
        },
      )
    }
    if (at.getTime() <= now || at.getTime() > now + lifetimes.credentialCodeMax) {
      throw new AppError(
        'validation_failed',
        `Invalid expiration: it must be in the future and at most ${lifetimes.credentialCodeMax / 60_000} minutes away.`,
        { details: { field: 'expiration' } },
      )
    }
    return at
  }

  async function createCredentialCode(
    caller: Caller,
    body: { expiration: string | number },
    clientAddress: string,
  ): Promise<{ code: string; expiration: string }> {
    requireLoginSession(caller, 'Making a credential code')
    const expiresAt = expirationOf(body.expiration)
    const { code, expiresAt: expiration } = await codes.issueUserCode({
      orgId: caller.orgId,
      userId: caller.userId,
      purpose: 'Credential',
      lifetimeMs: lifetimes.credentialCodeMax,
      expiresAt,
      clientAddress,
      groups: 4,
    })
    return { code, expiration }
  }

  async function createCredentialChallengeWithCode(
    body: { credentialKind: string; code: string },
    clientAddress: string,
  ): Promise<CredentialChallengeView> {
    // Refuse a kind walletd does not register before the code is spent.
    registrableKind(body.credentialKind, 'credentialKind')
    const now = ctx.clock.now()
    const found = await ctx.repos.codes.findByHash('Credential', hashCode(body.code))
    if (!found?.userId || found.usedAt !== null || found.expiresAt <= now.toISOString()) throw invalidCode()
    const user = await ctx.repos.users.find(found.orgId, found.userId)
    if (!user?.isActive || user.isArchived) throw invalidCode()
    await openLimits.assertAddressMayOpen(clientAddress)
    if (!(await ctx.repos.codes.consume(found.id, now))) throw invalidCode()
    return credentials.credentialChallengeFor(
      { id: user.id, orgId: user.orgId, username: user.username },
      body.credentialKind,
      'CredentialWithCode',
      clientAddress,
    )
  }

  async function createCredentialWithCode(body: CreateCredentialWithCodeBody): Promise<CredentialView> {
    const challenge = await challenges.openChallenge(body.challengeIdentifier, {
      purpose: 'CredentialWithCode',
    })
    return credentials.addAttestedCredential(challenge, body)
  }

  return { createCredentialCode, createCredentialChallengeWithCode, createCredentialWithCode }
}

const invalidCode = () =>
  new AppError('unauthorized', 'Credential code is not valid: it is unknown, expired or already used.', {
    details: { reason: 'invalid-code' },
  })
