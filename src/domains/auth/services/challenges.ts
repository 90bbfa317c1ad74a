import { randomBytes } from 'node:crypto'
import { AppError } from '../../../errors.ts'
import { newId } from '../../../ids.ts'
import { type Challenge, type Credential, lifetimes } from '../model.ts'
import type { Assertion, ChallengeView } from '../schemas.ts'
import type { AuthDeps } from './context.ts'
import { verifyFido2Assertion, verifyKeyAssertion } from './credential-verifier.ts'

/**
 * Signing challenges shared by login and user actions: issue one naming the credentials allowed to
 * answer, then accept exactly one valid answer (the challenge is consumed with a conditional
 * UPDATE after the signature verified, so two concurrent answers cannot both succeed).
 */

const signingKinds = new Set(['Key', 'PasswordProtectedKey', 'Fido2'])

export function newChallengeValue(): string {
  return randomBytes(32).toString('base64url')
}

export type ChallengeService = ReturnType<typeof createChallengeService>

export function createChallengeService(ctx: AuthDeps<'challenges' | 'credentials', 'clock' | 'rp'>) {
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
    const ofKind = (kind: string) => usable.filter((c) => c.kind === kind)
    return {
      challenge: challenge.challenge,
      challengeIdentifier: challenge.id,
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
  async function openChallenge(
    challengeIdentifier: string,
    expect: { purpose: Challenge['purpose']; orgId?: string; userId?: string; tokenId?: string | null },
  ): Promise<Challenge> {
    const challenge = await ctx.repos.challenges.find(challengeIdentifier)
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
    if (challenge.usedAt !== null) throw invalidChallenge('it has already been answered', challengeIdentifier)
    if (challenge.expiresAt <= ctx.clock.now().toISOString()) {
      throw invalidChallenge(`it expired at ${challenge.expiresAt}`, challengeIdentifier)
    }
    return challenge
  }

  /** Verify `firstFactor` against an open challenge and consume the challenge. */
  async function answerChallenge(challenge: Challenge, firstFactor: Assertion): Promise<AnsweredChallenge> {
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
    const credential = await ctx.repos.credentials.findByCredId(challenge.orgId, assertion.credId)
    if (!credential?.isActive || credential.userId !== challenge.userId) throw notAllowed()
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

    if (!(await ctx.repos.challenges.consume(challenge.id, ctx.clock.now()))) {
      throw invalidChallenge('it has already been answered', challenge.id)
    }
    return {
      challenge,
      credential,
      clientData: assertion.clientData,
      signature: assertion.signature,
      authenticatorData: assertion.authenticatorData ?? null,
    }
  }

  return { challengeExpiry, issueSigningChallenge, openChallenge, answerChallenge }
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
