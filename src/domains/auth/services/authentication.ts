import { AppError } from '../../../errors.ts'
import type { Caller } from '../../../http/context.ts'
import type { RouteAuth } from '../../../http/route-table.ts'
import type { AuthDeps } from './context.ts'

const MAX_TOKEN_LENGTH = 8192

const unauthorized = (message: string, reason: string) =>
  new AppError('unauthorized', message, { details: { reason } })

export type AuthenticationService = ReturnType<typeof createAuthenticationService>

export function createAuthenticationService(ctx: AuthDeps<'tokens', 'tokens'>) {
  /**
   * Who is calling, from the `Authorization` header: the JWT must verify (signature, region, expiry;
   * see TokenService) and its token and user must still be active. The state is read from the
   * database on every request, never cached, so deactivating or archiving a user, service account or
   * PAT, or logging out, revokes its tokens on every node at once.
   */
  async function authenticate(
    authorization: string | undefined,
    mode: Exclude<RouteAuth, 'none'>,
  ): Promise<Caller> {
    if (!authorization) {
      throw unauthorized('Authorization header is missing: send "Authorization: Bearer <token>".', 'missing')
    }
    const match = /^Bearer +(\S+)$/i.exec(authorization.trim())
    if (!match) throw unauthorized('Authorization header must be "Bearer <token>".', 'malformed')
    const token = match[1]!
    if (token.length > MAX_TOKEN_LENGTH)
      throw unauthorized('Bearer token is malformed: it is too long.', 'malformed')

    const claims = await ctx.tokens.verify(token)
    const state = await ctx.repos.tokens.state(claims.tokenId)
    if (!state || state.orgId !== claims.orgId || state.userId !== claims.userId) {
      throw unauthorized('Bearer token has been revoked.', 'revoked')
    }
    if (!state.tokenActive) {
      throw unauthorized(
        `Bearer token has been revoked: token ${state.tokenId} is deactivated or archived.`,
        'revoked',
      )
    }
    if (!state.userActive) {
      throw unauthorized(
        `Bearer token has been revoked: ${state.userId} is deactivated or archived.`,
        'revoked',
      )
    }
    if (mode === 'token' && state.tokenKind === 'Temp') {
      throw unauthorized('A temporaryAuthenticationToken can only complete registration.', 'temporary')
    }
    if (mode === 'registration' && state.tokenKind !== 'Temp') {
      throw unauthorized(
        'This route takes the temporaryAuthenticationToken returned by registration init.',
        'not-temporary',
      )
    }
    return {
      orgId: state.orgId,
      userId: state.userId,
      tokenId: state.tokenId,
      appId: state.appId,
      // What the caller is and how it authenticated are kept apart: a PAT acts as its user's kind
      // (end-user confinement, approval eligibility, audit), while token-dependent checks read tokenKind.
      kind: state.isServiceAccount ? 'ServiceAccount' : state.userKind,
      tokenKind: state.tokenKind,
      username: state.username,
      permissionsVersion: state.permissionsVersion,
      policiesVersion: state.policiesVersion,
    }
  }

  return { authenticate }
}
