import { AppError } from '../../../errors.ts'
import type { Caller } from '../../../http/context.ts'
import { newId } from '../../../ids.ts'
import type { Challenge, Credential, CredentialKind, User } from '../model.ts'
import type {
  CreateCredentialBody,
  CredentialChallengeView,
  CredentialView,
  NewCredential,
} from '../schemas.ts'
import { type ChallengeService, newChallengeValue } from './challenges.ts'
import type { AuthDeps } from './context.ts'
import { verifyFido2Attestation, verifyKeyAttestation } from './credential-verifier.ts'
import { requireLoginSession } from './token-scope.ts'
import { credentialView } from './views.ts'

/**
 * A user's own credentials: list, add one through a challenge (the add itself is a signed user
 * action, so an existing credential vouches for the new one), activate and deactivate.
 */

/** Dfns credential kinds walletd does not offer: 501 naming the kind, not a 400 (the request is valid). */
export function refuseUnofferedKind(kind: string, field: string): void {
  if (kind === 'Password' || kind === 'Totp') {
    throw new AppError('not_implemented', `${kind} credentials are not offered by walletd.`, {
      details: { field, kind },
    })
  }
}

/** `kind` when walletd registers credentials of it; else 501 (Password, Totp) or 400 naming `field`. */
export function registrableKind(kind: string, field: string): CredentialKind {
  refuseUnofferedKind(kind, field)
  if (!registrableKinds.has(kind as CredentialKind)) {
    throw new AppError(
      'validation_failed',
      `Invalid body.${field}: walletd registers Key, PasswordProtectedKey, Fido2 and RecoveryKey credentials, not ${kind}.`,
      { details: { field } },
    )
  }
  return kind as CredentialKind
}

/** First-factor kinds walletd registers (Password and Totp are not offered). */
export const firstFactorKinds: ReadonlySet<CredentialKind> = new Set(['Key', 'PasswordProtectedKey', 'Fido2'])
/** A recovery credential: a key whose private half the client keeps encrypted (`encryptedPrivateKey`). */
export const recoveryKinds: ReadonlySet<CredentialKind> = new Set(['RecoveryKey'])
const registrableKinds = new Set<CredentialKind>([...firstFactorKinds, ...recoveryKinds])

/** COSE algorithms offered to passkeys: ES256, EdDSA, RS256. */
export const pubKeyCredParams = [
  { type: 'public-key' as const, alg: -7 },
  { type: 'public-key' as const, alg: -8 },
  { type: 'public-key' as const, alg: -257 },
]

export const authenticatorSelection = {
  residentKey: 'required',
  requireResidentKey: true,
  userVerification: 'required',
}

export type CredentialService = ReturnType<typeof createCredentialService>

export function createCredentialService(
  ctx: AuthDeps<'credentials' | 'challenges' | 'users', 'clock' | 'rp'>,
  { challenges }: { challenges: ChallengeService },
) {
  /** Verify the attestation of a credential being registered against its challenge; build the row. */
  async function verifyNewCredential(
    challenge: Challenge,
    user: User,
    input: NewCredential,
    fallbackName: string,
    allowed: ReadonlySet<CredentialKind> = firstFactorKinds,
  ): Promise<Credential> {
    const kind = input.credentialKind as CredentialKind
    refuseUnofferedKind(kind, 'credentialKind')
    if (!allowed.has(kind)) {
      throw new AppError(
        'validation_failed',
        `Invalid credentialKind: ${[...allowed].join(', ')} expected here, not ${kind}.`,
        { details: { field: 'credentialKind' } },
      )
    }
    const info = input.credentialInfo
    if (!('credId' in info)) {
      throw new AppError(
        'validation_failed',
        `Invalid credentialInfo: a ${kind} credential needs credId, clientData and attestationData.`,
        {
          details: { field: 'credentialInfo' },
        },
      )
    }
    if (kind === 'PasswordProtectedKey' && !input.encryptedPrivateKey) {
      throw new AppError(
        'validation_failed',
        'Invalid encryptedPrivateKey: a PasswordProtectedKey credential needs it.',
        {
          details: { field: 'encryptedPrivateKey' },
        },
      )
    }
    let publicKey: string
    let signCount = 0
    let origin = ''
    if (kind === 'Fido2') {
      const verified = await verifyFido2Attestation(info, challenge.challenge, ctx.rp)
      publicKey = verified.publicKey
      signCount = verified.signCount
      origin = verified.origin
    } else {
      publicKey = verifyKeyAttestation(info, challenge.challenge).publicKey
    }
    const now = ctx.clock.now()
    return {
      uuid: newId('credential', now.getTime()),
      orgId: user.orgId,
      userId: user.id,
      tokenId: null,
      kind,
      credId: info.credId,
      name: input.credentialName || fallbackName,
      publicKey,
      encryptedPrivateKey: input.encryptedPrivateKey ?? null,
      relyingPartyId: kind === 'Fido2' ? ctx.rp.id : '',
      origin,
      signCount,
      isActive: true,
      dateCreated: now.toISOString(),
    }
  }

  async function listCredentials(caller: Caller): Promise<{ items: CredentialView[] }> {
    const credentials = await ctx.repos.credentials.listOfUser(caller.userId)
    return { items: credentials.map(credentialView) }
  }

  async function initCredential(caller: Caller, body: { kind: string }): Promise<CredentialChallengeView> {
    requireLoginSession(caller, 'Adding a credential')
    return credentialChallengeFor(
      { id: caller.userId, orgId: caller.orgId, username: caller.username },
      body.kind,
      'Credential',
    )
  }

  /**
   * A challenge a new credential of `kind` attests, for `user`: `Credential` (asked for with a login
   * session) or `CredentialWithCode` (asked for with a credential code, answered without a token).
   */
  async function credentialChallengeFor(
    user: { id: string; orgId: string; username: string },
    requestedKind: string,
    purpose: 'Credential' | 'CredentialWithCode',
    clientAddress?: string,
  ): Promise<CredentialChallengeView> {
    const kind = registrableKind(requestedKind, purpose === 'Credential' ? 'kind' : 'credentialKind')
    const now = ctx.clock.now()
    const challenge: Challenge = {
      id: newId('challenge', now.getTime()),
      orgId: user.orgId,
      purpose,
      userId: user.id,
      tokenId: null,
      challenge: newChallengeValue(),
      allowedCredIds: [],
      credentialKind: kind,
      httpMethod: null,
      httpPath: null,
      payload: null,
      expiresAt: challenges.challengeExpiry(),
      usedAt: null,
      clientAddress: clientAddress ?? null,
    }
    await ctx.repos.challenges.create(challenge, now)
    const existing = await ctx.repos.credentials.listOfUser(user.id)
    return {
      kind,
      user: { id: user.id, displayName: user.username, name: user.username },
      challengeIdentifier: challenge.id,
      challenge: challenge.challenge,
      rp: { id: ctx.rp.id, name: 'walletd' },
      attestation: 'direct',
      pubKeyCredParams,
      ...(kind === 'Fido2'
        ? {
            authenticatorSelection,
            excludeCredentials: existing
              .filter((c) => c.kind === 'Fido2')
              .map((c) => ({ type: 'public-key' as const, id: c.credId })),
          }
        : {}),
      temporaryAuthenticationToken: challenge.id,
    }
  }

  async function createCredential(caller: Caller, body: CreateCredentialBody): Promise<CredentialView> {
    requireLoginSession(caller, 'Adding a credential')
    const challenge = await challenges.openChallenge(body.challengeIdentifier, {
      purpose: 'Credential',
      orgId: caller.orgId,
      userId: caller.userId,
    })
    return addAttestedCredential(challenge, body)
  }

  /** Verify the new credential against its challenge, consume the challenge, store the credential. */
  async function addAttestedCredential(
    challenge: Challenge,
    body: NewCredential & { credentialName: string },
  ): Promise<CredentialView> {
    if (challenge.credentialKind !== body.credentialKind) {
      throw new AppError(
        'bad_request',
        `Challenge token is not valid: it was issued for a ${challenge.credentialKind} credential.`,
        { details: { challengeIdentifier: challenge.id } },
      )
    }
    const user = await ctx.repos.users.find(challenge.orgId, challenge.userId)
    if (!user) throw new AppError('not_found', `user ${challenge.userId} not found`)
    const credential = await verifyNewCredential(challenge, user, body, body.credentialName, registrableKinds)
    if (!(await ctx.repos.challenges.consume(challenge.id, ctx.clock.now()))) {
      throw new AppError('bad_request', 'Challenge token is not valid: it has already been answered.', {
        details: { challengeIdentifier: challenge.id },
      })
    }
    await ctx.repos.credentials.create(credential)
    return credentialView(credential)
  }

  async function setCredentialActive(
    caller: Caller,
    credentialUuid: string,
    isActive: boolean,
  ): Promise<{ message: string }> {
    requireLoginSession(caller, 'Activating or deactivating a credential')
    const credential = await ctx.repos.credentials.findByUuid(caller.orgId, credentialUuid)
    if (!credential || credential.userId !== caller.userId || credential.tokenId !== null) {
      throw new AppError('not_found', `credential ${credentialUuid} not found`, {
        details: { credentialUuid },
      })
    }
    // A recovery key cannot log in: the last active first-factor credential stays (a recovery key
    // may always be deactivated).
    if (!isActive && credential.isActive && firstFactorKinds.has(credential.kind)) {
      const others = (await ctx.repos.credentials.listOfUser(caller.userId)).filter(
        (c) => c.isActive && c.uuid !== credentialUuid && firstFactorKinds.has(c.kind),
      )
      if (others.length === 0) {
        throw new AppError(
          'precondition_failed',
          `Credential ${credentialUuid} is the user's last active credential.`,
          {
            details: { credentialUuid },
          },
        )
      }
    }
    await ctx.repos.credentials.setActive(credentialUuid, isActive)
    return { message: isActive ? 'Credential activated.' : 'Credential deactivated.' }
  }

  return {
    verifyNewCredential,
    listCredentials,
    initCredential,
    credentialChallengeFor,
    createCredential,
    addAttestedCredential,
    setCredentialActive,
  }
}
