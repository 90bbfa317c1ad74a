import { AppError } from '../../../errors.ts'
import type { Caller } from '../../../http/context.ts'
import { newId } from '../../../ids.ts'
import { lifetimes, type User } from '../model.ts'
import type { Created, CreateServiceAccountBody, ServiceAccountView } from '../schemas.ts'
import type { AuthContext } from './context.ts'
import { parsePublicKey } from './credential-verifier.ts'
import {
  applyInitialGrant,
  defaultAppId,
  expiryFrom,
  newAccessToken,
  signToken,
  tokenKeyCredential,
} from './issuance.ts'
import { type LifecycleChange, lifecyclePatch } from './lifecycle.ts'
import { serviceAccountView } from './views.ts'

/**
 * Service accounts: a user row flagged `isServiceAccount` (username = name, unique in the org)
 * with one `ServiceAccount` token whose key credential signs its user actions. Deactivating or
 * archiving the account revokes the token at once (authentication reads the user's state).
 */

/** A service account's user row: registered, active, its name as username. */
export function newServiceAccountUser(input: {
  orgId: string
  name: string
  externalId?: string | undefined
  now: Date
}): User {
  return {
    id: newId('user', input.now.getTime()),
    orgId: input.orgId,
    username: input.name,
    name: input.name,
    kind: 'CustomerEmployee',
    isServiceAccount: true,
    isActive: true,
    isArchived: false,
    isRegistered: true,
    isSsoRequired: false,
    credentialUuid: null,
    externalId: input.externalId ?? null,
    registrationCodeHash: null,
    registrationCodeExpiresAt: null,
    dateCreated: input.now.toISOString(),
    dateUpdated: input.now.toISOString(),
  }
}

export async function findServiceAccount(ctx: AuthContext, caller: Caller, id: string): Promise<User> {
  const account = await ctx.repos.users.find(caller.orgId, id)
  if (!account?.isServiceAccount) {
    throw new AppError('not_found', `service account ${id} not found`, {
      details: { serviceAccountId: id, orgId: caller.orgId },
    })
  }
  return account
}

export async function createServiceAccount(
  ctx: AuthContext,
  caller: Caller,
  body: CreateServiceAccountBody,
): Promise<Created<ServiceAccountView>> {
  parsePublicKey(body.publicKey, 'publicKey')
  const appId = await defaultAppId(ctx, caller.orgId)
  const now = ctx.clock.now()
  const account = newServiceAccountUser({
    orgId: caller.orgId,
    name: body.name,
    externalId: body.externalId,
    now,
  })
  const token = newAccessToken({
    orgId: caller.orgId,
    userId: account.id,
    appId,
    kind: 'ServiceAccount',
    name: body.name,
    externalId: body.externalId,
    expiresAt: expiryFrom(now, body.daysValid, undefined, lifetimes.defaultAccessToken),
    now,
  })
  const key = tokenKeyCredential(token, body.publicKey, now)
  account.credentialUuid = key.uuid
  // Decided before anything is written: a refused grant (403) creates no account.
  const grant = await ctx.grants.decide(caller, account.id, body.permissionId)
  await ctx.db.transaction().execute(async (trx) => {
    await ctx.repos.users.create(account, trx)
    await ctx.repos.tokens.create(token, trx)
    await ctx.repos.credentials.create(key, trx)
    await applyInitialGrant(ctx, caller.orgId, account.id, grant, now, trx)
  })
  const accessToken = await signToken(ctx, token, account.username)
  const view = await serviceAccountView(ctx, account)
  return {
    view: {
      ...view,
      accessTokens: view.accessTokens.map((t) => (t.tokenId === token.id ? { ...t, accessToken } : t)),
    },
    pendingChangeRequest: grant.pending,
  }
}

export async function listServiceAccounts(
  ctx: AuthContext,
  caller: Caller,
): Promise<{ items: ServiceAccountView[] }> {
  const accounts = await ctx.repos.users.listServiceAccounts(caller.orgId)
  return { items: await Promise.all(accounts.map((a) => serviceAccountView(ctx, a))) }
}

export async function getServiceAccount(
  ctx: AuthContext,
  caller: Caller,
  id: string,
): Promise<ServiceAccountView> {
  return serviceAccountView(ctx, await findServiceAccount(ctx, caller, id))
}

export async function updateServiceAccount(
  ctx: AuthContext,
  caller: Caller,
  id: string,
  body: { name?: string | undefined; externalId?: string | undefined },
): Promise<ServiceAccountView> {
  const account = await findServiceAccount(ctx, caller, id)
  if (account.isArchived) throw archived(id)
  const now = ctx.clock.now()
  await ctx.repos.users.update(
    caller.orgId,
    id,
    { ...(body.name ? { name: body.name, username: body.name } : {}), externalId: body.externalId },
    now,
  )
  return getServiceAccount(ctx, caller, id)
}

const archived = (id: string) =>
  new AppError('unprocessable', `service account ${id} is archived`, { details: { serviceAccountId: id } })

export async function setServiceAccountState(
  ctx: AuthContext,
  caller: Caller,
  id: string,
  change: LifecycleChange,
): Promise<ServiceAccountView> {
  const account = await findServiceAccount(ctx, caller, id)
  if (change !== 'activate' && account.id === caller.userId) {
    throw new AppError('bad_request', `Service account ${id} cannot ${change} itself.`, {
      details: { serviceAccountId: id },
    })
  }
  if (account.isArchived) throw archived(id)
  const patch = lifecyclePatch(change)
  await ctx.repos.users.update(caller.orgId, id, patch, ctx.clock.now())
  return getServiceAccount(ctx, caller, id)
}
