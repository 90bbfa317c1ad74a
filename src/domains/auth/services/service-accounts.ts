import { AppError } from '../../../errors.ts'
import type { Caller } from '../../../http/context.ts'
import { newId } from '../../../ids.ts'
import { lifetimes, type User } from '../model.ts'
import type { Created, CreateServiceAccountBody, ServiceAccountView } from '../schemas.ts'
import type { AuthDeps } from './context.ts'
import { parsePublicKey } from './credential-verifier.ts'
import { expiryFrom, type IssuanceService, newAccessToken, tokenKeyCredential } from './issuance.ts'
import { type LifecycleChange, lifecyclePatch } from './lifecycle.ts'
import type { ViewService } from './views.ts'

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

export type ServiceAccountService = ReturnType<typeof createServiceAccountService>

export function createServiceAccountService(
  ctx: AuthDeps<'users' | 'tokens' | 'credentials', 'db' | 'clock' | 'grants'>,
  { issuance, views }: { issuance: IssuanceService; views: ViewService },
) {
  async function findServiceAccount(caller: Caller, id: string): Promise<User> {
    const account = await ctx.repos.users.find(caller.orgId, id)
    if (!account?.isServiceAccount) {
      throw new AppError('not_found', `service account ${id} not found`, {
        details: { serviceAccountId: id, orgId: caller.orgId },
      })
    }
    return account
  }

  async function createServiceAccount(
    caller: Caller,
    body: CreateServiceAccountBody,
  ): Promise<Created<ServiceAccountView>> {
    parsePublicKey(body.publicKey, 'publicKey')
    const appId = await issuance.defaultAppId(caller.orgId)
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
      await issuance.applyInitialGrant(caller.orgId, account.id, grant, now, trx)
    })
    const accessToken = await issuance.signToken(token, account.username)
    const view = await views.serviceAccountView(account)
    return {
      view: {
        ...view,
        accessTokens: view.accessTokens.map((t) => (t.tokenId === token.id ? { ...t, accessToken } : t)),
      },
      pendingChangeRequest: grant.pending,
    }
  }

  async function listServiceAccounts(caller: Caller): Promise<{ items: ServiceAccountView[] }> {
    const accounts = await ctx.repos.users.listServiceAccounts(caller.orgId)
    return { items: await Promise.all(accounts.map((a) => views.serviceAccountView(a))) }
  }

  async function getServiceAccount(caller: Caller, id: string): Promise<ServiceAccountView> {
    return views.serviceAccountView(await findServiceAccount(caller, id))
  }

  async function updateServiceAccount(
    caller: Caller,
    id: string,
    body: { name?: string | undefined; externalId?: string | undefined },
  ): Promise<ServiceAccountView> {
    const account = await findServiceAccount(caller, id)
    if (account.isArchived) throw archived(id)
    const now = ctx.clock.now()
    await ctx.repos.users.update(
      caller.orgId,
      id,
      { ...(body.name ? { name: body.name, username: body.name } : {}), externalId: body.externalId },
      now,
    )
    return getServiceAccount(caller, id)
  }

  async function setServiceAccountState(
    caller: Caller,
    id: string,
    change: LifecycleChange,
  ): Promise<ServiceAccountView> {
    const account = await findServiceAccount(caller, id)
    if (change !== 'activate' && account.id === caller.userId) {
      throw new AppError('bad_request', `Service account ${id} cannot ${change} itself.`, {
        details: { serviceAccountId: id },
      })
    }
    if (account.isArchived) throw archived(id)
    const patch = lifecyclePatch(change)
    await ctx.repos.users.update(caller.orgId, id, patch, ctx.clock.now())
    return getServiceAccount(caller, id)
  }

  return {
    findServiceAccount,
    createServiceAccount,
    listServiceAccounts,
    getServiceAccount,
    updateServiceAccount,
    setServiceAccountState,
  }
}

const archived = (id: string) =>
  new AppError('unprocessable', `service account ${id} is archived`, { details: { serviceAccountId: id } })
