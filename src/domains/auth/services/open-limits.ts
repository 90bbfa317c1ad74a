import { AppError } from '../../../errors.ts'
import { type ChallengePurpose, openLimits } from '../model.ts'
import type { AuthDeps } from './context.ts'

/**
 * Auth state nobody answers must neither pile up nor be piled up on purpose (invariants in
 * ../README.md, limits in model.ts `openLimits`):
 *
 * - an unauthenticated client address may hold `perAddress` open login/registration challenges;
 * - a user holds at most `perUser` open login (or registration) challenges: the oldest is dropped,
 *   so strangers asking for a user's challenges cannot lock that user out;
 * - a token may hold `userActionsPerToken` open user-action challenges of at most
 *   `userActionPayloadPerToken` payload bytes together;
 * - everything expired is deleted by `purgeExpiredAuthState`, run periodically on every node (each
 *   statement is an idempotent DELETE by expiry, so nodes sweeping together do no harm).
 *
 * Counting then inserting is not atomic: concurrent requests may overshoot a cap by their number,
 * which bounds the state all the same.
 */

export type OpenLimitService = ReturnType<typeof createOpenLimitService>

export function createOpenLimitService(
  ctx: AuthDeps<'challenges' | 'userActions' | 'tokens' | 'codes', 'clock'>,
) {
  function full(message: string, firstExpiry: string | null, details: Record<string, unknown>) {
    const retryAfter = firstExpiry
      ? Math.max(1, Math.ceil((Date.parse(firstExpiry) - ctx.clock.now().getTime()) / 1000))
      : 1
    return new AppError('rate_limited', message, {
      details: { ...details, retryAfterSeconds: retryAfter },
      headers: { 'retry-after': String(retryAfter) },
    })
  }

  async function assertAddressMayOpen(clientAddress: string): Promise<void> {
    const open = await ctx.repos.challenges.open({ clientAddress }, ctx.clock.now())
    if (open.count >= openLimits.perAddress) {
      throw full(
        `This address holds ${open.count} unanswered login or registration challenges, the most allowed; answer them or wait for them to expire.`,
        open.firstExpiry,
        { limit: openLimits.perAddress },
      )
    }
  }

  async function makeRoomForUser(
    userId: string,
    purpose: Extract<ChallengePurpose, 'Login' | 'Registration'>,
  ): Promise<void> {
    await ctx.repos.challenges.trimOpen(userId, purpose, openLimits.perUser - 1, ctx.clock.now())
  }

  async function assertTokenMayOpen(tokenId: string, payloadLength: number): Promise<void> {
    const open = await ctx.repos.challenges.open({ tokenId, purpose: 'UserAction' }, ctx.clock.now())
    if (open.count >= openLimits.userActionsPerToken) {
      throw full(
        `This token holds ${open.count} unanswered user-action challenges, the most allowed; answer them or wait for them to expire.`,
        open.firstExpiry,
        { limit: openLimits.userActionsPerToken },
      )
    }
    if (open.bytes + payloadLength > openLimits.userActionPayloadPerToken) {
      throw full(
        `This token's unanswered user-action challenges would hold more than ${openLimits.userActionPayloadPerToken} characters of payload; answer them or wait for them to expire.`,
        open.firstExpiry,
        { limitCharacters: openLimits.userActionPayloadPerToken },
      )
    }
  }

  /** Delete expired challenges, userAction tokens never used, expired temporary tokens and one-time codes. */
  async function purgeExpiredAuthState(): Promise<{
    challenges: number
    userActions: number
    tokens: number
    codes: number
  }> {
    const now = ctx.clock.now()
    const challenges = await ctx.repos.challenges.purgeExpired(now)
    const userActions = await ctx.repos.userActions.purgeUnused(now)
    const tokens = await ctx.repos.tokens.purgeExpired('Temp', now)
    const codes = await ctx.repos.codes.purgeExpired(now)
    return { challenges, userActions, tokens, codes }
  }

  return { assertAddressMayOpen, makeRoomForUser, assertTokenMayOpen, purgeExpiredAuthState }
}
