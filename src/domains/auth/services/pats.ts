import { AppError } from '../../../errors.ts'
import type { Caller } from '../../../http/context.ts'
import { type AccessToken, lifetimes } from '../model.ts'
import type { AccessTokenView, Created, CreatePatBody } from '../schemas.ts'
import type { AuthDeps } from './context.ts'
import { parsePublicKey } from './credential-verifier.ts'
import { expiryFrom, type IssuanceService, newAccessToken, tokenKeyCredential } from './issuance.ts'
import { type LifecycleChange, lifecyclePatch } from './lifecycle.ts'
import { refusePat } from './token-scope.ts'
import type { ViewService } from './views.ts'

export type PatService = ReturnType<typeof createPatService>

export function createPatService(
  ctx: AuthDeps<'tokens' | 'credentials', 'db' | 'clock' | 'grants'>,
  { issuance, views }: { issuance: IssuanceService; views: ViewService },
) {
  /**
   * Personal access tokens: tokens a user (or service account) makes for itself, each with its own
   * key credential and its own permission assignments (the guard intersects them with the user's).
   * A caller sees and manages only its own PATs; anyone else's id is a 404.
   */

  async function findOwnPat(caller: Caller, tokenId: string): Promise<AccessToken> {
    const token = await ctx.repos.tokens.find(caller.orgId, tokenId)
    if (token?.kind !== 'Pat' || token.userId !== caller.userId) {
      throw new AppError('not_found', `personal access token ${tokenId} not found`, {
        details: { tokenId, orgId: caller.orgId },
      })
    }
    return token
  }

  async function view(token: AccessToken): Promise<AccessTokenView> {
    const [v] = await views.accessTokenViews([token])
    return v!
  }

  async function createPat(caller: Caller, body: CreatePatBody): Promise<Created<AccessTokenView>> {
    refusePat(caller, 'Creating a personal access token')
    parsePublicKey(body.publicKey, 'publicKey')
    const existing = await ctx.repos.tokens.listOfUser(caller.userId, 'Pat')
    if (existing.some((t) => t.name === body.name && !t.isArchived)) {
      throw new AppError(
        'conflict',
        `A personal access token named ${JSON.stringify(body.name)} already exists.`,
        {
          details: { name: body.name },
        },
      )
    }
    const now = ctx.clock.now()
    const token = newAccessToken({
      orgId: caller.orgId,
      userId: caller.userId,
      appId: await issuance.defaultAppId(caller.orgId),
      kind: 'Pat',
      name: body.name,
      externalId: body.externalId,
      expiresAt: expiryFrom(now, body.daysValid, body.secondsValid, lifetimes.defaultAccessToken),
      now,
    })
    const key = tokenKeyCredential(token, body.publicKey, now)
    // Decided before anything is written: a refused grant (403) creates no token.
    const grant = await ctx.grants.decide(caller, token.id, body.permissionId)
    await ctx.db.transaction().execute(async (trx) => {
      await ctx.repos.tokens.create(token, trx)
      await ctx.repos.credentials.create(key, trx)
      await issuance.applyInitialGrant(caller.orgId, token.id, grant, now, trx)
    })
    const accessToken = await issuance.signToken(token, caller.username)
    return { view: { ...(await view(token)), accessToken }, pendingChangeRequest: grant.pending }
  }

  async function listPats(caller: Caller): Promise<{ items: AccessTokenView[] }> {
    const tokens = await ctx.repos.tokens.listOfUser(caller.userId, 'Pat')
    return {
      items: await views.accessTokenViews(tokens.filter((t) => !t.isArchived)),
    }
  }

  async function getPat(caller: Caller, tokenId: string): Promise<AccessTokenView> {
    return view(await findOwnPat(caller, tokenId))
  }

  async function updatePat(
    caller: Caller,
    tokenId: string,
    body: { name?: string | undefined; externalId?: string | undefined },
  ): Promise<AccessTokenView> {
    refusePat(caller, 'Changing a personal access token')
    const token = await findOwnPat(caller, tokenId)
    if (token.isArchived) throw archived(tokenId)
    await ctx.repos.tokens.update(caller.orgId, tokenId, body, ctx.clock.now())
    return getPat(caller, tokenId)
  }

  async function setPatState(
    caller: Caller,
    tokenId: string,
    change: LifecycleChange,
  ): Promise<AccessTokenView> {
    refusePat(caller, 'Activating, deactivating or deleting a personal access token')
    const token = await findOwnPat(caller, tokenId)
    if (token.isArchived) throw archived(tokenId)
    const patch = lifecyclePatch(change)
    await ctx.repos.tokens.update(caller.orgId, tokenId, patch, ctx.clock.now())
    return getPat(caller, tokenId)
  }

  return { createPat, listPats, getPat, updatePat, setPatState }
}

const archived = (tokenId: string) =>
  new AppError('unprocessable', `personal access token ${tokenId} is archived`, { details: { tokenId } })
