import type { Db } from '../../../db/database.ts'
import { AppError } from '../../../errors.ts'
import { newId } from '../../../ids.ts'
import type { InitialGrant } from '../../permissions/index.ts'
import type { AccessToken, Credential, TokenKind, User } from '../model.ts'
import type { AuthDeps } from './context.ts'

/** Helpers shared by the flows that create identities and hand out tokens. */

export function newAccessToken(input: {
  orgId: string
  userId: string
  appId: string
  kind: TokenKind
  name: string
  externalId?: string | undefined
  expiresAt: Date
  now: Date
}): AccessToken {
  return {
    id: newId('token', input.now.getTime()),
    orgId: input.orgId,
    userId: input.userId,
    appId: input.appId,
    kind: input.kind,
    name: input.name,
    externalId: input.externalId ?? null,
    isActive: true,
    isArchived: false,
    expiresAt: input.expiresAt.toISOString(),
    dateCreated: input.now.toISOString(),
    dateUpdated: input.now.toISOString(),
  }
}

/** The key credential of a service-account token or PAT; its credId is base64url(`ci-…`) as Dfns does. */
export function tokenKeyCredential(token: AccessToken, publicKeyPem: string, now: Date): Credential {
  const raw = newId('credentialKey', now.getTime())
  return {
    uuid: newId('credential', now.getTime()),
    orgId: token.orgId,
    userId: token.userId,
    tokenId: token.id,
    kind: 'Key',
    credId: Buffer.from(raw, 'utf8').toString('base64url'),
    name: token.name,
    publicKey: publicKeyPem,
    encryptedPrivateKey: null,
    relyingPartyId: '',
    origin: '',
    signCount: 0,
    isActive: true,
    dateCreated: now.toISOString(),
  }
}

export function expiryFrom(
  now: Date,
  days: number | undefined,
  seconds: number | undefined,
  fallbackMs: number,
): Date {
  if (seconds !== undefined) return new Date(now.getTime() + seconds * 1000)
  if (days !== undefined) return new Date(now.getTime() + days * 86_400_000)
  return new Date(now.getTime() + fallbackMs)
}

export type IssuanceService = ReturnType<typeof createIssuanceService>

/** What the flows that create identities and hand out tokens share that reads or writes. */
export function createIssuanceService(ctx: AuthDeps<'orgs' | 'tokens' | 'permissions', 'clock' | 'tokens'>) {
  async function defaultAppId(orgId: string): Promise<string> {
    const app = await ctx.repos.orgs.defaultApp(orgId)
    if (!app)
      throw new AppError('internal', undefined, { cause: new Error(`org ${orgId} has no default app`) })
    return app.id
  }

  /** Sign the JWT of a token row (outside any transaction: it may create the signing key). */
  function signToken(token: AccessToken, username: string, fixed?: { issuedAt: Date }): Promise<string> {
    return ctx.tokens.issue(
      {
        orgId: token.orgId,
        userId: token.userId,
        tokenId: token.id,
        tokenKind: token.kind,
        appId: token.appId,
        username,
      },
      new Date(token.expiresAt),
      fixed,
    )
  }

  /** A login session for a user: a `Token` row (so logout and deactivation revoke it) and its JWT. */
  async function startSession(user: User, expiresInMs: number): Promise<string> {
    const now = ctx.clock.now()
    const token = newAccessToken({
      orgId: user.orgId,
      userId: user.id,
      appId: await defaultAppId(user.orgId),
      kind: 'Token',
      name: 'login session',
      expiresAt: new Date(now.getTime() + expiresInMs),
      now,
    })
    await ctx.repos.tokens.create(token)
    return signToken(token, user.username)
  }

  /**
   * Write the permissions decided for a new identity (InitialGrants.decide, asked before the
   * transaction) in the transaction that creates it.
   */
  async function applyInitialGrant(
    orgId: string,
    identityId: string,
    grant: InitialGrant,
    now: Date,
    trx: Db,
  ): Promise<void> {
    for (const { id, permissionId } of grant.assign) {
      await ctx.repos.permissions.assign({ orgId, id, permissionId, identityId, now }, trx)
    }
  }

  return { defaultAppId, signToken, startSession, applyInitialGrant }
}
