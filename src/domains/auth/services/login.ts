import { AppError } from '../../../errors.ts'
import type { Caller } from '../../../http/context.ts'
import { lifetimes, type User } from '../model.ts'
import type { ChallengeView, SignChallengeBody } from '../schemas.ts'
import type { ChallengeService } from './challenges.ts'
import type { CodeService } from './codes.ts'
import type { AuthDeps } from './context.ts'
import type { IssuanceService } from './issuance.ts'
import type { OpenLimitService } from './open-limits.ts'

/** Login with a credential (what `DfnsAuthenticator.login` does), logout, and delegated login. */

function assertCanLogIn(user: User): void {
  if (!user.isActive || user.isArchived) {
    throw new AppError('bad_request', 'User account has been deactivated.', { details: { userId: user.id } })
  }
}

export type LoginService = ReturnType<typeof createLoginService>

export function createLoginService(
  ctx: AuthDeps<'users' | 'credentials' | 'tokens', 'clock'>,
  {
    challenges,
    codes,
    issuance,
    openLimits,
  }: {
    challenges: ChallengeService
    codes: CodeService
    issuance: IssuanceService
    openLimits: OpenLimitService
  },
) {
  async function initLogin(
    body: { username: string; orgId: string; loginCode?: string | undefined },
    clientAddress: string,
  ): Promise<ChallengeView> {
    const user = await ctx.repos.users.findByUsername(body.orgId, body.username)
    if (!user || user.isServiceAccount) {
      throw new AppError('unauthorized', 'User not found', {
        details: { username: body.username, orgId: body.orgId },
      })
    }
    assertCanLogIn(user)
    await openLimits.assertAddressMayOpen(clientAddress)
    // A login code (sendLoginCode), when sent, must be valid and is spent here (login-codes.ts).
    if (body.loginCode !== undefined) {
      await codes.redeemUserCode(user.id, 'Login', body.loginCode, 'Login code is not valid for this user.')
    }
    await openLimits.makeRoomForUser(user.id, 'Login')
    return challenges.issueSigningChallenge({
      orgId: user.orgId,
      purpose: 'Login',
      userId: user.id,
      tokenId: null,
      credentials: await ctx.repos.credentials.listOfUser(user.id),
      clientAddress,
    })
  }

  async function login(body: SignChallengeBody): Promise<{ token: string }> {
    const challenge = await challenges.openChallenge(body.challengeIdentifier, { purpose: 'Login' })
    const { credential } = await challenges.answerChallenge(challenge, body.firstFactor)
    const user = await ctx.repos.users.find(challenge.orgId, credential.userId)
    if (!user) throw new AppError('unauthorized', 'User not found')
    assertCanLogIn(user)
    return { token: await issuance.startSession(user, lifetimes.loginSession) }
  }

  async function logout(
    caller: Caller,
    body: { allSessions?: boolean | undefined } | undefined,
  ): Promise<{ message: string }> {
    if (caller.tokenKind !== 'Token') {
      throw new AppError(
        'bad_request',
        `Logout ends login sessions; a ${caller.tokenKind} token is revoked by deactivating it.`,
        { details: { tokenId: caller.tokenId } },
      )
    }
    const now = ctx.clock.now()
    if (body?.allSessions) await ctx.repos.tokens.deactivateAllOfUser(caller.userId, 'Token', now)
    else await ctx.repos.tokens.update(caller.orgId, caller.tokenId, { isActive: false }, now)
    return { message: body?.allSessions ? 'All sessions logged out.' : 'Logged out.' }
  }

  /** A service account logs in on behalf of one of the org's end users. */
  async function delegatedLogin(caller: Caller, body: { username: string }) {
    const user = await ctx.repos.users.findByUsername(caller.orgId, body.username)
    if (user?.kind !== 'EndUser') {
      throw new AppError('not_found', `end user ${body.username} not found`, {
        details: { username: body.username, orgId: caller.orgId },
      })
    }
    assertCanLogIn(user)
    return { token: await issuance.startSession(user, lifetimes.loginSession) }
  }

  return { initLogin, login, logout, delegatedLogin }
}
