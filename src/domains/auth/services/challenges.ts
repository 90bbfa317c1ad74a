import { randomBytes } from 'node:crypto'
import { AppError } from '../../../errors.ts'
import type { Caller } from '../../../http/context.ts'
import { newId } from '../../../ids.ts'
import {
  type Challenge,
  type Credential,
  lifetimes,
  signingKinds as signingKindList,
  signsWithOwnKey,
} from '../model.ts'
import type { OfferedCredential } from '../repositories/user-action-challenges.ts'
import type { Assertion, ChallengeView } from '../schemas.ts'
import type { AuthDeps } from './context.ts'
import { verifyFido2Assertion, verifyKeyAssertion } from './credential-verifier.ts'

/**
 * Signing challenges shared by login and user actions: issue one naming the credentials allowed to
 * answer, then accept exactly one valid answer. A login challenge is consumed with a conditional
 * UPDATE after the signature verified; a user-action challenge by storing the user action (see
 * `userActions.createAnswering`). Either way two concurrent answers cannot both succeed.
 */

const signingKinds = new Set<string>(signingKindList)

type OpenExpectation = {
  purpose: Challenge['purpose']
  orgId?: string
  userId?: string
  tokenId?: string | null
}

export function newChallengeValue(): string {
  return randomBytes(32).toString('base64url')
}

export type ChallengeService = ReturnType<typeof createChallengeService>

export function createChallengeService(
  ctx: AuthDeps<'challenges' | 'credentials' | 'userActionChallenges', 'clock' | 'rp'>,
) {
  function challengeExpiry(): string {
    return new Date(ctx.clock.now().getTime() + lifetimes.challenge).toISOString()
  }

  async function issueSigningChallenge(input: {
    orgId: string
    purpose: 'UserAction' | 'Login'
    userId: string
    tokenId: string | null
    credentials: Credential[]
    http?: { method: string; path: string; payload: string }
    /** The client address of an unauthenticated init, counted against its cap. */
    clientAddress?: string
  }): Promise<ChallengeView> {
    const usable = input.credentials.filter((c) => c.isActive && signingKinds.has(c.kind))
    if (usable.length === 0) {
      throw new AppError(
        'unauthorized',
        'User does not have a credential that can be used for the application.',
        {
          details: { userId: input.userId },
        },
      )
    }
    const now = ctx.clock.now()
    const challenge: Challenge = {
      id: newId('challenge', now.getTime()),
      orgId: input.orgId,
      purpose: input.purpose,
      userId: input.userId,
      tokenId: input.tokenId,
      challenge: newChallengeValue(),
      allowedCredIds: usable.map((c) => c.credId),
      credentialKind: null,
      httpMethod: input.http?.method ?? null,
      httpPath: input.http?.path ?? null,
      payload: input.http?.payload ?? null,
      expiresAt: challengeExpiry(),
      usedAt: null,
      clientAddress: input.clientAddress ?? null,
    }
    await ctx.repos.challenges.create(challenge, now)
    return challengeView(challenge.challenge, challenge.id, usable)
  }

  /**
   * A user-action challenge in one statement, or undefined when the token's caps are reached or the
   * caller has no usable credential (nothing was stored; today's separate steps then say which).
   */
  async function issueUserActionChallenge(
    caller: Caller,
    http: { method: string; path: string; payload: string },
  ): Promise<ChallengeView | undefined> {
    const now = ctx.clock.now()
    const input = {
      id: newId('challenge', now.getTime()),
      orgId: caller.orgId,
      userId: caller.userId,
      tokenId: caller.tokenId,
      signsWithTokenKey: signsWithOwnKey(caller.tokenKind),
      challenge: newChallengeValue(),
      ...http,
      expiresAt: challengeExpiry(),
      now: now.toISOString(),
    }
    const offered = await ctx.repos.userActionChallenges.open(input)
    return offered && challengeView(input.challenge, input.id, offered)
  }

  function challengeView(value: string, id: string, usable: OfferedCredential[]): ChallengeView {
    const ofKind = (kind: string) => usable.filter((c) => c.kind === kind)
    return {
      challenge: value,
      challengeIdentifier: id,
      supportedCredentialKinds: [...new Set(usable.map((c) => c.kind))].map((kind) => ({
        kind,
        factor: 'first' as const,
        requiresSecondFactor: false,
      })),
      userVerification: 'required',
      attestation: 'direct',
      allowCredentials: {
        key: ofKind('Key').map((c) => ({ type: 'public-key' as const, id: c.credId })),
        passwordProtectedKey: ofKind('PasswordProtectedKey').map((c) => ({
          type: 'public-key' as const,
          id: c.credId,
          encryptedPrivateKey: c.encryptedPrivateKey ?? '',
        })),
        webauthn: ofKind('Fido2').map((c) => ({ type: 'public-key' as const, id: c.credId })),
      },
      externalAuthenticationUrl: '',
      rp: { id: ctx.rp.id, name: 'walletd' },
    }
  }

  /** A challenge of `purpose` that is still open, optionally bound to one caller; else a 400. */
  async function openChallenge(challengeIdentifier: string, expect: OpenExpectation): Promise<Challenge> {
    return checkOpen(await ctx.repos.challenges.find(challengeIdentifier), challengeIdentifier, expect)
  }

  /** As `openChallenge`, reading in the same statement the credential of `credId` in its org. */
  async function openChallengeWithCredential(
    challengeIdentifier: string,
    credId: string,
    expect: OpenExpectation,
  ): Promise<{ challenge: Challenge; credential: Credential | undefined }> {
    const found = await ctx.repos.userActionChallenges.findWithCredential(challengeIdentifier, credId)
    const challenge = checkOpen(found?.challenge, challengeIdentifier, expect)
    return { challenge, credential: found?.credential }
  }

  function checkOpen(
    challenge: Challenge | undefined,
    challengeIdentifier: string,
    expect: OpenExpectation,
  ): Challenge {
    if (
      !challenge ||
      challenge.purpose !== expect.purpose ||
      (expect.orgId !== undefined && challenge.orgId !== expect.orgId)
    ) {
      throw invalidChallenge(`no ${expect.purpose} challenge has this identifier`, challengeIdentifier)
    }
    if (
      (expect.userId !== undefined && challenge.userId !== expect.userId) ||
      (expect.tokenId !== undefined && challenge.tokenId !== expect.tokenId)
    ) {
      throw invalidChallenge('it was issued to another caller', challengeIdentifier)
    }
    if (challenge.usedAt !== null) throw alreadyAnswered(challengeIdentifier)
    if (challenge.expiresAt <= ctx.clock.now().toISOString()) {
      throw invalidChallenge(`it expired at ${challenge.expiresAt}`, challengeIdentifier)
    }
    return challenge
  }

  /** Verify `firstFactor` against an open challenge and consume the challenge. */
  async function answerChallenge(challenge: Challenge, firstFactor: Assertion): Promise<AnsweredChallenge> {
    const answered = await verifyAnswer(challenge, firstFactor, (credId) =>
      ctx.repos.credentials.findByCredId(challenge.orgId, credId),
    )
    if (!(await ctx.repos.challenges.consume(challenge.id, ctx.clock.now()))) {
      throw alreadyAnswered(challenge.id)
    }
    return answered
  }

  /**
   * Verify `firstFactor` against an open challenge without consuming it: the caller consumes it as
   * it stores what the answer gives (a 400 `alreadyAnswered` when that finds it consumed).
   * `credentialOf` reads the answering credential of the challenge's org.
   */
  async function verifyAnswer(
    challenge: Challenge,
    firstFactor: Assertion,
    credentialOf: (credId: string) => Promise<Credential | undefined>,
  ): Promise<AnsweredChallenge> {
    const assertion = firstFactor.credentialAssertion
    if (!signingKinds.has(firstFactor.kind) || !assertion) {
      throw new AppError(
        'unauthorized',
        `A ${firstFactor.kind} assertion cannot answer this challenge: use a Key, PasswordProtectedKey or Fido2 credential.`,
        { details: { kind: firstFactor.kind } },
      )
    }
    const notAllowed = () =>
      new AppError(
        'unauthorized',
        `Credential ${assertion.credId} is not allowed to answer this challenge.`,
        {
          details: { credId: assertion.credId },
        },
      )
    if (!challenge.allowedCredIds.includes(assertion.credId)) throw notAllowed()
    const credential = await credentialOf(assertion.credId)
    if (!mayAnswer(challenge, credential)) throw notAllowed()
    if (credential.kind !== firstFactor.kind) {
      throw new AppError(
        'unauthorized',
        `Credential ${assertion.credId} is a ${credential.kind} credential, not ${firstFactor.kind}.`,
        {
          details: { credId: assertion.credId },
        },
      )
    }

    if (credential.kind === 'Fido2') {
      if (!assertion.authenticatorData) {
        throw new AppError('unauthorized', 'A Fido2 assertion needs authenticatorData.', {
          details: { field: 'firstFactor.credentialAssertion.authenticatorData' },
        })
      }
      const { newSignCount } = await verifyFido2Assertion(
        credential,
        { ...assertion, authenticatorData: assertion.authenticatorData },
        challenge.challenge,
        ctx.rp,
      )
      await ctx.repos.credentials.setSignCount(credential.uuid, newSignCount)
    } else {
      verifyKeyAssertion(credential, assertion, challenge.challenge)
    }
    return {
      challenge,
      credential,
      clientData: assertion.clientData,
      signature: assertion.signature,
      authenticatorData: assertion.authenticatorData ?? null,
    }
  }

  /** The credential is active and the challenge's user's: a deactivated one cannot answer. */
  const mayAnswer = (challenge: Challenge, credential: Credential | undefined): credential is Credential =>
    credential?.isActive === true && credential.userId === challenge.userId

  const alreadyAnswered = (challengeIdentifier: string) =>
    invalidChallenge('it has already been answered', challengeIdentifier)

  return {
    challengeExpiry,
    issueSigningChallenge,
    issueUserActionChallenge,
    openChallenge,
    openChallengeWithCredential,
    answerChallenge,
    verifyAnswer,
    alreadyAnswered,
    mayAnswer,
  }
}

function invalidChallenge(reason: string, challengeIdentifier: string): AppError {
  return new AppError('bad_request', `Challenge token is not valid: ${reason}.`, {
    details: { challengeIdentifier },
  })
}

export interface AnsweredChallenge {
  challenge: Challenge
  credential: Credential
  clientData: string
  signature: string
  authenticatorData: string | null
}
