import type { Db } from '../../../db/database.ts'
import { AppError } from '../../../errors.ts'
import type { Caller } from '../../../http/context.ts'
import { newId } from '../../../ids.ts'
import { DEFAULT_END_USER_PERMISSION } from '../../permissions/index.ts'
import { type Challenge, type Credential, lifetimes, type User } from '../model.ts'
import type { RegisterBody, RegisterEndUserBody, RegistrationChallengeView } from '../schemas.ts'
import { type ChallengeService, newChallengeValue } from './challenges.ts'
import { sameHash } from './codes.ts'
import type { AuthDeps } from './context.ts'
import {
  authenticatorSelection,
  type CredentialService,
  pubKeyCredParams,
  recoveryKinds,
} from './credentials.ts'
import { type IssuanceService, newAccessToken } from './issuance.ts'
import type { OpenLimitService } from './open-limits.ts'
import { hashRegistrationCode, newPerson, newRegistrationCode } from './users.ts'

/**
 * Registration: a user created by an admin (or an end user created by delegated registration)
 * proves possession of a new credential and becomes registered.
 *
 * init     → checks the one-time registration code (constant-time on its SHA-256) and returns a
 *            challenge plus a temporaryAuthenticationToken (a `Temp` token, challenge lifetime).
 * complete → with that token as Bearer: the credential's attestation must sign the challenge;
 *            the user is registered, the code cleared and the temporary token deactivated.
 */

export type RegistrationService = ReturnType<typeof createRegistrationService>

export function createRegistrationService(
  ctx: AuthDeps<
    'users' | 'tokens' | 'challenges' | 'credentials' | 'permissions',
    'db' | 'clock' | 'rp' | 'endUserWallets'
  >,
  {
    challenges,
    credentials,
    issuance,
    openLimits,
  }: {
    challenges: ChallengeService
    credentials: CredentialService
    issuance: IssuanceService
    openLimits: OpenLimitService
  },
) {
  /**
   * A `Temp` token and the challenge new credentials attest: registration, or recovery (then bound to
   * the recovery credentials that may vouch for them, and the token is named `recovery`).
   */
  async function registrationChallengeFor(
    user: User,
    clientAddress?: string,
    recovery?: { allowedCredIds: string[] },
  ): Promise<RegistrationChallengeView> {
    const now = ctx.clock.now()
    const temp = newAccessToken({
      orgId: user.orgId,
      userId: user.id,
      appId: await issuance.defaultAppId(user.orgId),
      kind: 'Temp',
      name: recovery ? 'recovery' : 'registration',
      expiresAt: new Date(now.getTime() + lifetimes.challenge),
      now,
    })
    const challenge: Challenge = {
      id: newId('challenge', now.getTime()),
      orgId: user.orgId,
      purpose: recovery ? 'Recovery' : 'Registration',
      userId: user.id,
      tokenId: temp.id,
      challenge: newChallengeValue(),
      allowedCredIds: recovery?.allowedCredIds ?? [],
      credentialKind: null,
      httpMethod: null,
      httpPath: null,
      payload: null,
      expiresAt: challenges.challengeExpiry(),
      usedAt: null,
      clientAddress: clientAddress ?? null,
    }
    await ctx.db.transaction().execute(async (trx) => {
      await ctx.repos.tokens.create(temp, trx)
      await ctx.repos.challenges.create(challenge, now, trx)
    })
    return {
      user: { id: user.id, displayName: user.name, name: user.username },
      temporaryAuthenticationToken: await issuance.signToken(temp, user.username),
      challenge: challenge.challenge,
      rp: { id: ctx.rp.id, name: 'walletd' },
      supportedCredentialKinds: { firstFactor: ['Key', 'PasswordProtectedKey', 'Fido2'], secondFactor: [] },
      authenticatorSelection,
      attestation: 'direct',
      pubKeyCredParams,
      excludeCredentials: [],
      otpUrl: '',
    }
  }

  async function initRegistration(
    body: { orgId: string; username: string; registrationCode: string },
    clientAddress: string,
  ): Promise<RegistrationChallengeView> {
    const user = await ctx.repos.users.findByUsername(body.orgId, body.username)
    const invalidCode = () =>
      new AppError('bad_request', 'Registration code is not valid for this user.', {
        details: { username: body.username, orgId: body.orgId },
      })
    if (!user || user.isServiceAccount) throw invalidCode()
    if (user.isRegistered) {
      throw new AppError('unauthorized', 'User already exists.', { details: { username: body.username } })
    }
    if (!user.isActive || user.isArchived) {
      throw new AppError('bad_request', 'User account has been deactivated.', {
        details: { userId: user.id },
      })
    }
    if (
      !user.registrationCodeHash ||
      !sameHash(user.registrationCodeHash, hashRegistrationCode(body.registrationCode))
    ) {
      throw invalidCode()
    }
    if (!user.registrationCodeExpiresAt || user.registrationCodeExpiresAt <= ctx.clock.now().toISOString()) {
      throw new AppError('bad_request', 'Registration code expired', { details: { userId: user.id } })
    }
    await openLimits.assertAddressMayOpen(clientAddress)
    await openLimits.makeRoomForUser(user.id, 'Registration')
    return registrationChallengeFor(user, clientAddress)
  }

  /** Complete registration for the `Temp` caller; returns the user and its first credential. */
  async function completeRegistration(
    caller: Caller,
    body: RegisterBody,
  ): Promise<{ user: User; credential: Credential }> {
    const challenge = await ctx.repos.challenges.latestForToken(caller.tokenId, 'Registration')
    if (!challenge || challenge.expiresAt <= ctx.clock.now().toISOString()) {
      throw new AppError('bad_request', 'Challenge token is not valid: start again with registration init.', {
        details: { userId: caller.userId },
      })
    }
    const user = await ctx.repos.users.find(caller.orgId, caller.userId)
    if (!user) throw new AppError('unauthorized', 'User not found')
    if (user.isRegistered)
      throw new AppError('unauthorized', 'User already exists.', { details: { userId: user.id } })
    if (body.secondFactorCredential) {
      throw new AppError(
        'not_implemented',
        'Second-factor credentials are not offered by walletd: register one first-factor credential (and a recovery key).',
        { details: { field: 'secondFactorCredential' } },
      )
    }
    const credential = await credentials.verifyNewCredential(
      challenge,
      user,
      body.firstFactorCredential,
      'Default credential',
    )
    const recovery = body.recoveryCredential
      ? await credentials.verifyNewCredential(
          challenge,
          user,
          body.recoveryCredential,
          'Recovery key',
          recoveryKinds,
        )
      : undefined
    const now = ctx.clock.now()
    await ctx.db.transaction().execute(async (trx) => {
      if (!(await ctx.repos.challenges.consume(challenge.id, now, trx))) {
        throw new AppError('bad_request', 'Challenge token is not valid: it has already been answered.')
      }
      await ctx.repos.credentials.create(credential, trx)
      if (recovery) await ctx.repos.credentials.create(recovery, trx)
      await ctx.repos.users.update(
        user.orgId,
        user.id,
        {
          isRegistered: true,
          credentialUuid: credential.uuid,
          registrationCodeHash: null,
          registrationCodeExpiresAt: null,
        },
        now,
        trx,
      )
      await ctx.repos.tokens.update(user.orgId, caller.tokenId, { isActive: false }, now, trx)
    })
    return { user: { ...user, isRegistered: true, credentialUuid: credential.uuid }, credential }
  }

  /**
   * `/auth/registration/enduser`: registration plus a login token and the wallets asked for, each
   * created delegated to the new end user (non-custodial from the start), as Dfns does. The networks
   * are checked before anything is written; the wallets are created after the registration commits
   * (key generation stays out of its transaction), so a failure there leaves the end user registered
   * with the wallets made so far, and the error says so.
   */
  async function completeEndUserRegistration(caller: Caller, body: RegisterEndUserBody) {
    const wanted = body.wallets
    if (wanted.length > 0) {
      if (!ctx.endUserWallets) {
        throw new AppError(
          'not_implemented',
          'Creating wallets during end-user registration is not available here.',
          {
            details: { field: 'wallets' },
          },
        )
      }
      ctx.endUserWallets.check(wanted)
    }
    const { wallets: _wallets, ...registration } = body
    const result = await completeRegistration(caller, registration)
    const token = await issuance.startSession(result.user, lifetimes.loginSession)
    const wallets =
      wanted.length > 0 && ctx.endUserWallets ? await ctx.endUserWallets.create(caller, wanted) : []
    return { ...registrationView(result), authentication: { token }, wallets }
  }

  /**
   * Delegated registration: a service account creates (or re-invites) an EndUser and gets its
   * challenge. A new end user is assigned `DfnsDefaultEndUserAccess` (unless it was archived).
   */
  async function delegatedRegistration(
    caller: Caller,
    body: { email: string; kind: 'EndUser'; externalId?: string | undefined },
  ): Promise<RegistrationChallengeView> {
    const user = await unregisteredEndUser(caller.orgId, body.email.trim(), body.externalId)
    return registrationChallengeFor(user)
  }

  /**
   * The end user `username` of an org that has not registered yet: found, or created with
   * `DfnsDefaultEndUserAccess` (unless that permission is archived). 409 when the name belongs to a
   * registered user or to someone who is not an end user. `link` is written in the same transaction
   * as a new user (social registration links the OpenID identity).
   */
  async function unregisteredEndUser(
    orgId: string,
    username: string,
    externalId?: string | undefined,
    link?: (user: User, trx: Db) => Promise<void>,
  ): Promise<User> {
    const existing = await ctx.repos.users.findByUsername(orgId, username)
    if (existing && (existing.isRegistered || existing.kind !== 'EndUser')) {
      throw new AppError('conflict', `User ${username} already exists.`, { details: { userId: existing.id } })
    }
    if (existing) {
      if (link) await link(existing, ctx.db)
      return existing
    }
    const now = ctx.clock.now()
    const endUser = newPerson({
      orgId,
      username,
      kind: 'EndUser',
      externalId,
      registrationCode: newRegistrationCode(),
      now,
    })
    await ctx.db.transaction().execute(async (trx) => {
      await ctx.repos.users.create(endUser, trx)
      const endUserAccess = await ctx.repos.permissions.findPermissionByName(
        orgId,
        DEFAULT_END_USER_PERMISSION,
        trx,
      )
      if (endUserAccess && !endUserAccess.isArchived) {
        await ctx.repos.permissions.assign(
          { orgId, permissionId: endUserAccess.id, identityId: endUser.id, now },
          trx,
        )
      }
      if (link) await link(endUser, trx)
    })
    return endUser
  }

  return {
    registrationChallengeFor,
    initRegistration,
    completeRegistration,
    completeEndUserRegistration,
    delegatedRegistration,
    unregisteredEndUser,
  }
}

export const registrationView = (r: { user: User; credential: Credential }) => ({
  credential: { uuid: r.credential.uuid, kind: r.credential.kind, name: r.credential.name },
  user: { id: r.user.id, username: r.user.username, orgId: r.user.orgId },
})
