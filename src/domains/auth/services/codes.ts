import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { AppError } from '../../../errors.ts'
import { newId } from '../../../ids.ts'
import type { MailMessage } from '../../../mail/index.ts'
import { codeLimits, type User } from '../model.ts'
import type { CodePurpose, OneTimeCode } from '../repositories/codes.ts'
import type { AuthDeps } from './context.ts'

/**
 * One-time codes (recovery, login and credential codes; single sign-on state). A code is random,
 * kept only as its SHA-256, compared in constant time, single use (consumed with a conditional
 * UPDATE), and expires. Codes e-mailed to a user are rate limited per user and per client address
 * (`codeLimits`), and a user's open codes are burnt after `maxAttempts` wrong guesses.
 */

const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789'

/** `groups` groups of 4 characters of an unambiguous alphabet (5 bits each), joined by dashes. */
export function newOneTimeCode(groups: number): string {
  const chars = [...randomBytes(groups * 4)].map((b) => ALPHABET[b % 32]).join('')
  return chars.match(/.{4}/g)!.join('-')
}

/** The stored form; the code is normalised first (case, spaces and dashes do not matter). */
export function hashCode(code: string): string {
  const normalised = code.toUpperCase().replace(/[\s-]/g, '')
  return createHash('sha256').update(normalised, 'utf8').digest('hex')
}

export function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex')
  const y = Buffer.from(b, 'hex')
  return x.length === y.length && timingSafeEqual(x, y)
}

export type CodeService = ReturnType<typeof createCodeService>

export function createCodeService(ctx: AuthDeps<'codes' | 'users', 'clock' | 'mailer'>) {
  function tooMany(message: string, oldest: string | null, limit: number) {
    const retryAfter = oldest
      ? Math.max(1, Math.ceil((Date.parse(oldest) + codeLimits.windowMs - ctx.clock.now().getTime()) / 1000))
      : 1
    return new AppError('rate_limited', message, {
      details: { limit, retryAfterSeconds: retryAfter },
      headers: { 'retry-after': String(retryAfter) },
    })
  }

  /** 429 when this address asked for `perAddress` codes within the window. */
  async function assertAddressMayAskForCode(clientAddress: string): Promise<void> {
    const since = new Date(ctx.clock.now().getTime() - codeLimits.windowMs)
    const byAddress = await ctx.repos.codes.issuedSince({ clientAddress }, since)
    if (byAddress.count >= codeLimits.perAddress) {
      throw tooMany(
        `This address asked for ${byAddress.count} codes in the last ${codeLimits.windowMs / 60_000} minutes, the most allowed.`,
        byAddress.oldest,
        codeLimits.perAddress,
      )
    }
  }

  /**
   * The e-mailed code flows (login and recovery codes): the address limit first, so that unknown
   * usernames count too (checked once: `issueUserCode` is told so); then, for an active person only,
   * a code made, stored and mailed. Callers answer the same whether or not a code was sent, so
   * strangers learn nothing about the org.
   */
  async function mailUserCode(input: {
    orgId: string
    username: string
    clientAddress: string
    purpose: 'Login' | 'Recovery'
    lifetimeMs: number
    mail: (user: User, code: string, expiresAt: string) => MailMessage
  }): Promise<void> {
    await assertAddressMayAskForCode(input.clientAddress)
    const user = await ctx.repos.users.findByUsername(input.orgId, input.username)
    if (!isActivePerson(user)) return
    const { code, expiresAt } = await issueUserCode({
      orgId: user.orgId,
      userId: user.id,
      purpose: input.purpose,
      lifetimeMs: input.lifetimeMs,
      clientAddress: input.clientAddress,
      addressChecked: true,
    })
    await ctx.mailer.send(input.mail(user, code, expiresAt))
  }

  /** Make and store a code for a user (rate limited); returns the code to send. */
  async function issueUserCode(input: {
    orgId: string
    userId: string
    purpose: Exclude<CodePurpose, 'Sso' | 'IdToken'>
    lifetimeMs: number
    clientAddress: string | null
    /**
     * The caller checked `clientAddress` against its limit already (before looking the user up,
     * so that unknown usernames are limited too): it is recorded, not counted again.
     */
    addressChecked?: boolean
    groups?: number
    /** Override the lifetime with an exact expiry (credential codes). */
    expiresAt?: Date
    /** Make the code and its stored hash another way (registration codes keep their own form). */
    make?: () => { code: string; hash: string }
  }): Promise<{ code: string; expiresAt: string }> {
    const now = ctx.clock.now()
    const since = new Date(now.getTime() - codeLimits.windowMs)
    const byUser = await ctx.repos.codes.issuedSince({ userId: input.userId, purpose: input.purpose }, since)
    if (byUser.count >= codeLimits.perUser) {
      throw tooMany(
        `${byUser.count} ${input.purpose.toLowerCase()} codes were sent to this user in the last ${codeLimits.windowMs / 60_000} minutes, the most allowed; use one of them or wait.`,
        byUser.oldest,
        codeLimits.perUser,
      )
    }
    if (input.clientAddress && !input.addressChecked) await assertAddressMayAskForCode(input.clientAddress)
    const made = input.make?.()
    const code = made?.code ?? newOneTimeCode(input.groups ?? 3)
    const expiresAt = (input.expiresAt ?? new Date(now.getTime() + input.lifetimeMs)).toISOString()
    await ctx.repos.codes.create({
      id: newId('oneTimeCode', now.getTime()),
      orgId: input.orgId,
      userId: input.userId,
      purpose: input.purpose,
      codeHash: made?.hash ?? hashCode(code),
      payload: null,
      attempts: 0,
      clientAddress: input.clientAddress,
      expiresAt,
      usedAt: null,
      dateCreated: now.toISOString(),
    })
    return { code, expiresAt }
  }

  /**
   * Redeem one of a user's open codes of `purpose`: compared in constant time against each, the
   * matching one consumed. A wrong code counts against every open code of the user for that purpose
   * (burnt after `maxAttempts`). Refusal: 401 with `failure` as the message, the same whether the code
   * is wrong, expired or used.
   */
  async function redeemUserCode(
    userId: string,
    purpose: Exclude<CodePurpose, 'Sso' | 'IdToken'>,
    code: string,
    failure: string,
  ): Promise<OneTimeCode> {
    const now = ctx.clock.now()
    const open = await ctx.repos.codes.openOfUser(userId, purpose, now)
    const hash = hashCode(code)
    let match: OneTimeCode | undefined
    for (const candidate of open) if (sameHash(candidate.codeHash, hash)) match ??= candidate
    if (!match) {
      for (const candidate of open)
        await ctx.repos.codes.recordFailure(candidate.id, codeLimits.maxAttempts, now)
      throw new AppError('unauthorized', failure, { details: { reason: 'invalid-code' } })
    }
    if (!(await ctx.repos.codes.consume(match.id, now))) {
      throw new AppError('unauthorized', failure, { details: { reason: 'invalid-code' } })
    }
    return match
  }

  return { assertAddressMayAskForCode, mailUserCode, issueUserCode, redeemUserCode }
}

/** A person who can log in: registered, active, not archived, not a service account. */
export function isActivePerson(user: User | undefined): user is User {
  return !!user && !user.isServiceAccount && user.isRegistered && user.isActive && !user.isArchived
}
