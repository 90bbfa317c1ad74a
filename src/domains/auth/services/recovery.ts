import { AppError } from '../../../errors.ts'
import type { Caller } from '../../../http/context.ts'
import type { RecoverBody, RecoveryChallengeView } from '../flow-schemas.ts'
import { type Credential, lifetimes, type User } from '../model.ts'
import { type CodeService, isActivePerson } from './codes.ts'
import type { AuthDeps } from './context.ts'
import { verifyKeyAssertion } from './credential-verifier.ts'
import { type CredentialService, firstFactorKinds, recoveryKinds } from './credentials.ts'
import type { OpenLimitService } from './open-limits.ts'
import { type RegistrationService, registrationView } from './registration.ts'

/**
 * Account recovery with a recovery key (a `RecoveryKey` credential registered at registration or
 * later; its private half stays with the client, encrypted, and is handed back to it as
 * `encryptedRecoveryKey`).
 *
 * code      → `sendRecoveryCode` e-mails a one-time code (codes.ts: hashed, single use, expiring,
 *             rate limited). The answer is the same whether or not the user exists.
 * init      → the code and the id of a recovery credential give a challenge and a temporary
 *             token (`Temp`, named `recovery`). Delegated: a caller holding
 *             `Auth:Recover:Delegated` starts it for an end user of its org, without a code.
 * recover   → with that token as Bearer: the new credentials attest the challenge, and the recovery
 *             key signs them (clientData `key.get` whose `challenge` is base64url of the JSON of
 *             `newCredentials` as sent), so nobody can swap in credentials of their own.
 *
 * Decision: recovery replaces everything. In one transaction every credential of the user is
 * deactivated (the lost ones, the other devices, the recovery key that was used), the new ones are
 * stored, and every login session, PAT and temporary token of the user is revoked. Whoever held
 * the lost credential keeps nothing; the user logs in again with the new credential.
 */

const MESSAGE = 'If this user exists and can be recovered, a recovery code was sent to its e-mail address.'

/** Who can be recovered: an active person (a service account has keys, not a recovery). */
const recoverable = isActivePerson

export type RecoveryService = ReturnType<typeof createRecoveryService>

export function createRecoveryService(
  ctx: AuthDeps<'users' | 'credentials' | 'challenges' | 'tokens', 'db' | 'clock'>,
  {
    codes,
    credentials,
    openLimits,
    registration,
  }: {
    codes: CodeService
    credentials: CredentialService
    openLimits: OpenLimitService
    registration: RegistrationService
  },
) {
  async function sendRecoveryCode(
    body: { username: string; orgId: string },
    clientAddress: string,
  ): Promise<{ message: string }> {
    await codes.mailUserCode({
      ...body,
      clientAddress,
      purpose: 'Recovery',
      lifetimeMs: lifetimes.recoveryCode,
      mail: (user, code, expiresAt) => ({
        to: user.username,
        subject: 'Your walletd recovery code',
        text:
          `A recovery of ${user.username} (org ${user.orgId}) was asked for.\n\n` +
          `Recovery code: ${code}\nIt expires at ${expiresAt} and can be used once.\n\n` +
          'If you did not ask for it, ignore this message: nothing changes without your recovery key.\n',
      }),
    })
    return { message: MESSAGE }
  }

  async function recoveryCredentialOf(user: User, credentialId: string): Promise<Credential> {
    const credential = await ctx.repos.credentials.findByCredId(user.orgId, credentialId)
    if (
      !credential ||
      credential.userId !== user.id ||
      credential.tokenId !== null ||
      !credential.isActive ||
      !recoveryKinds.has(credential.kind)
    ) {
      throw new AppError(
        'validation_failed',
        'Invalid credentialId: not an active recovery credential of this user.',
        {
          details: { field: 'credentialId' },
        },
      )
    }
    return credential
  }

  async function recoveryChallenge(
    user: User,
    credential: Credential,
    clientAddress?: string,
  ): Promise<RecoveryChallengeView> {
    const view = await registration.registrationChallengeFor(user, clientAddress, {
      allowedCredIds: [credential.credId],
    })
    return {
      ...view,
      allowedRecoveryCredentials: [
        { id: credential.credId, encryptedRecoveryKey: credential.encryptedPrivateKey ?? '' },
      ],
    }
  }

  async function createRecoveryChallenge(
    body: { username: string; verificationCode: string; orgId: string; credentialId: string },
    clientAddress: string,
  ): Promise<RecoveryChallengeView> {
    const failure = 'Recovery code is not valid for this user.'
    const user = await ctx.repos.users.findByUsername(body.orgId, body.username)
    if (!recoverable(user)) {
      throw new AppError('unauthorized', failure, { details: { reason: 'invalid-code' } })
    }
    const credential = await recoveryCredentialOf(user, body.credentialId)
    await openLimits.assertAddressMayOpen(clientAddress)
    await codes.redeemUserCode(user.id, 'Recovery', body.verificationCode, failure)
    return recoveryChallenge(user, credential, clientAddress)
  }

  async function createDelegatedRecoveryChallenge(
    caller: Caller,
    body: { username: string; credentialId: string },
  ): Promise<RecoveryChallengeView> {
    const user = await ctx.repos.users.findByUsername(caller.orgId, body.username)
    if (user?.kind !== 'EndUser' || user.isServiceAccount) {
      throw new AppError('not_found', `end user ${body.username} not found`, {
        details: { username: body.username, orgId: caller.orgId },
      })
    }
    if (!user.isRegistered || !user.isActive || user.isArchived) {
      throw new AppError('unprocessable', `end user ${body.username} is not registered or is inactive`, {
        details: { userId: user.id },
      })
    }
    const credential = await recoveryCredentialOf(user, body.credentialId)
    return recoveryChallenge(user, credential)
  }

  /** `signedNewCredentials`: the JSON of `newCredentials` exactly as the client sent it. */
  async function recover(caller: Caller, body: RecoverBody, signedNewCredentials: string) {
    const challenge = await ctx.repos.challenges.latestForToken(caller.tokenId, 'Recovery')
    if (!challenge || challenge.expiresAt <= ctx.clock.now().toISOString()) {
      throw new AppError('bad_request', 'Challenge token is not valid: start again with recovery init.', {
        details: { userId: caller.userId },
      })
    }
    const user = await ctx.repos.users.find(caller.orgId, caller.userId)
    if (!recoverable(user)) throw new AppError('unauthorized', 'User cannot be recovered.')

    const assertion = body.recovery.credentialAssertion
    const recoveryKey = await ctx.repos.credentials.findByCredId(user.orgId, assertion.credId)
    if (
      !challenge.allowedCredIds.includes(assertion.credId) ||
      !recoveryKey?.isActive ||
      recoveryKey.userId !== user.id ||
      !recoveryKinds.has(recoveryKey.kind)
    ) {
      throw new AppError(
        'unauthorized',
        `Credential ${assertion.credId} is not allowed to answer this challenge.`,
        {
          details: { credId: assertion.credId },
        },
      )
    }
    verifyKeyAssertion(
      recoveryKey,
      assertion,
      Buffer.from(signedNewCredentials, 'utf8').toString('base64url'),
    )

    const { firstFactorCredential, secondFactorCredential, recoveryCredential } = body.newCredentials
    if (secondFactorCredential) {
      throw new AppError('not_implemented', 'Second-factor credentials are not offered by walletd.', {
        details: { field: 'secondFactorCredential' },
      })
    }
    const credential = await credentials.verifyNewCredential(
      challenge,
      user,
      firstFactorCredential,
      'Recovered credential',
      firstFactorKinds,
    )
    const newRecovery = recoveryCredential
      ? await credentials.verifyNewCredential(
          challenge,
          user,
          recoveryCredential,
          'Recovery key',
          recoveryKinds,
        )
      : undefined

    const now = ctx.clock.now()
    await ctx.db.transaction().execute(async (trx) => {
      if (!(await ctx.repos.challenges.consume(challenge.id, now, trx))) {
        throw new AppError('bad_request', 'Challenge token is not valid: it has already been answered.')
      }
      await ctx.repos.credentials.deactivateAllOfUser(user.id, trx)
      await ctx.repos.credentials.create(credential, trx)
      if (newRecovery) await ctx.repos.credentials.create(newRecovery, trx)
      await ctx.repos.users.update(user.orgId, user.id, { credentialUuid: credential.uuid }, now, trx)
      for (const kind of ['Token', 'Pat', 'Temp'] as const) {
        await ctx.repos.tokens.deactivateAllOfUser(user.id, kind, now, trx)
      }
    })
    return registrationView({ user, credential })
  }

  return { sendRecoveryCode, createRecoveryChallenge, createDelegatedRecoveryChallenge, recover }
}
