import { createHash, randomBytes } from 'node:crypto'
import { AppError } from '../../../errors.ts'
import type { Caller } from '../../../http/context.ts'
import { newId } from '../../../ids.ts'
import { cursorOf, pageOf } from '../../../pagination.ts'
import { lifetimes, type User, type UserKind } from '../model.ts'
import type { CreateUserBody, UserView } from '../schemas.ts'
import type { AuthDeps } from './context.ts'
import { type LifecycleChange, lifecyclePatch } from './lifecycle.ts'
import type { ViewService } from './views.ts'

/**
 * People of an org (CustomerEmployee, EndUser). Service accounts are users too but are reached
 * through /auth/service-accounts only: here their ids are 404s.
 *
 * Creating a user e-mails its one-time registration code (SMTP when configured, and the emulator
 * mailbox in development) and also returns it as `registrationCode` (a walletd addition to the
 * response) for a creator who hands it over another way; only its SHA-256 is kept.
 */

export const hashRegistrationCode = (code: string) => createHash('sha256').update(code, 'utf8').digest('hex')

/** 20 characters of an unambiguous alphabet (~100 bits). */
export function newRegistrationCode(): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789'
  return [...randomBytes(20)].map((b) => alphabet[b % 32]).join('')
}

export type UserService = ReturnType<typeof createUserService>

export function createUserService(
  ctx: AuthDeps<'users', 'clock' | 'mailer'>,
  { views }: { views: ViewService },
) {
  async function findPerson(caller: Caller, userId: string): Promise<User> {
    const user = await ctx.repos.users.find(caller.orgId, userId)
    if (!user || user.isServiceAccount) {
      throw new AppError('not_found', `user ${userId} not found`, {
        details: { userId, orgId: caller.orgId },
      })
    }
    return user
  }

  async function createUser(
    caller: Caller,
    body: CreateUserBody,
  ): Promise<UserView & { registrationCode: string }> {
    if (body.kind !== 'CustomerEmployee') {
      throw new AppError(
        'validation_failed',
        'Invalid body.kind: walletd creates CustomerEmployee users only.',
        {
          details: { field: 'kind' },
        },
      )
    }
    const registrationCode = newRegistrationCode()
    const user = newPerson({
      orgId: caller.orgId,
      username: body.email.trim(),
      kind: 'CustomerEmployee',
      externalId: body.externalId,
      isSsoRequired: body.isSSORequired,
      registrationCode,
      now: ctx.clock.now(),
    })
    await ctx.repos.users.create(user)
    // After the user exists: a mail server that is down does not undo the creation (the code is in
    // the response too); the mailer logs what went wrong.
    await ctx.mailer.send(registrationMail(user, registrationCode))
    return { ...(await views.userView(user)), registrationCode }
  }

  async function listUsers(
    caller: Caller,
    query: { limit?: number | undefined; paginationToken?: string | undefined; kind?: UserKind | undefined },
  ): Promise<{ items: UserView[]; nextPageToken?: string }> {
    const limit = query.limit ?? 50
    const afterId = cursorOf(query.paginationToken)
    const rows = await ctx.repos.users.listPeople(caller.orgId, {
      limit: limit + 1,
      ...(query.kind ? { kind: query.kind } : {}),
      ...(afterId ? { afterId } : {}),
    })
    const page = pageOf(rows, limit)
    return { ...page, items: await views.userViews(page.items) }
  }

  async function getUser(caller: Caller, userId: string): Promise<UserView> {
    return views.userView(await findPerson(caller, userId))
  }

  async function updateUser(
    caller: Caller,
    userId: string,
    body: { isSSORequired: boolean },
  ): Promise<UserView> {
    const user = await findPerson(caller, userId)
    if (user.isArchived) throw archived(userId)
    await ctx.repos.users.update(caller.orgId, userId, { isSsoRequired: body.isSSORequired }, ctx.clock.now())
    return getUser(caller, userId)
  }

  async function setUserState(caller: Caller, userId: string, change: LifecycleChange): Promise<UserView> {
    const user = await findPerson(caller, userId)
    if (change !== 'activate' && user.id === caller.userId) {
      throw new AppError('bad_request', `User ${userId} cannot ${change} itself.`, { details: { userId } })
    }
    if (user.isArchived) throw archived(userId)
    const patch = lifecyclePatch(change)
    await ctx.repos.users.update(caller.orgId, userId, patch, ctx.clock.now())
    return getUser(caller, userId)
  }

  return { findPerson, createUser, listUsers, getUser, updateUser, setUserState }
}

export function newPerson(input: {
  orgId: string
  username: string
  kind: UserKind
  externalId?: string | undefined
  isSsoRequired?: boolean | undefined
  registrationCode: string
  now: Date
}): User {
  const now = input.now
  return {
    id: newId('user', now.getTime()),
    orgId: input.orgId,
    username: input.username,
    name: input.username,
    kind: input.kind,
    isServiceAccount: false,
    isActive: true,
    isArchived: false,
    isRegistered: false,
    isSsoRequired: input.isSsoRequired ?? false,
    credentialUuid: null,
    externalId: input.externalId ?? null,
    registrationCodeHash: hashRegistrationCode(input.registrationCode),
    registrationCodeExpiresAt: new Date(now.getTime() + lifetimes.registrationCode).toISOString(),
    dateCreated: now.toISOString(),
    dateUpdated: now.toISOString(),
  }
}

export function registrationMail(user: User, code: string) {
  return {
    to: user.username,
    subject: 'Your walletd registration code',
    text:
      `You have been invited to org ${user.orgId} as ${user.username}.\n\n` +
      `Registration code: ${code}\n` +
      `It expires at ${user.registrationCodeExpiresAt}.\n\n` +
      'Register a credential with it: createRegistrationChallenge({ orgId, username, registrationCode }).\n',
  }
}

const archived = (userId: string) =>
  new AppError('unprocessable', `user ${userId} is archived`, { details: { userId } })
