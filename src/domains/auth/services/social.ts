import { createHash, randomBytes } from 'node:crypto'
import { isUniqueViolation } from '../../../db/database.ts'
import { AppError } from '../../../errors.ts'
import { newId } from '../../../ids.ts'
import type { SocialBody } from '../flow-schemas.ts'
import { lifetimes, type User } from '../model.ts'
import type { OidcProviderConfig } from '../oidc-config.ts'
import type { RegistrationChallengeView } from '../schemas.ts'
import type { AuthDeps } from './context.ts'
import type { IssuanceService } from './issuance.ts'
import type { VerifiedIdToken } from './oidc.ts'
import type { OpenLimitService } from './open-limits.ts'
import type { RegistrationService } from './registration.ts'

export type SocialService = ReturnType<typeof createSocialService>

export function createSocialService(
  ctx: AuthDeps<'oidcIdentities' | 'users' | 'codes', 'clock' | 'oidc'>,
  {
    issuance,
    openLimits,
    registration,
  }: { issuance: IssuanceService; openLimits: OpenLimitService; registration: RegistrationService },
) {
  /**
   * Social login and single sign-on with OpenID Connect (oidc.ts verifies the id tokens; the
   * providers and their orgs are configured by the operator).
   *
   * Who an id token is: the user its (issuer, subject) is linked to in the org; otherwise the person
   * of the provider's org whose username is the token's `email`, when `email_verified` is true (the
   * link is then made, so a later change of e-mail at the provider keeps the same user). Service
   * accounts never log in this way; inactive, archived or unregistered users are refused.
   *
   * - `socialLogin`: an id token the client got from the provider → a login session. Each id token
   *   logs in once (its SHA-256 is kept until it expires).
   * - `createSocialRegistrationChallenge`: when the provider allows `endUserRegistration`, an id token
   *   with a verified e-mail makes (or finds) an unregistered end user of that e-mail, linked to the
   *   identity, and returns its registration challenge (completed with `registerEndUser`).
   * - `ssoLoginInit` / `ssoLogin`: the authorization code flow with PKCE (S256), a `state` kept only
   *   as its hash (single use, 10 minutes) and a `nonce` the id token must carry.
   */

  async function whoIs(verified: VerifiedIdToken): Promise<User> {
    const { provider, claims } = verified
    const linked = await ctx.repos.oidcIdentities.findUserId(provider.orgId, provider.issuer, claims.sub)
    let user = linked ? await ctx.repos.users.find(provider.orgId, linked) : undefined
    if (!user && typeof claims.email === 'string' && claims.email_verified === true) {
      user = await ctx.repos.users.findByUsername(provider.orgId, claims.email)
    }
    if (!user || user.isServiceAccount) {
      throw new AppError('unauthorized', 'No user of this org is known by this identity.', {
        details: { reason: 'unknown-identity' },
      })
    }
    if (!user.isRegistered || !user.isActive || user.isArchived) {
      throw new AppError(
        'unauthorized',
        'This user cannot log in: not registered, deactivated or archived.',
        {
          details: { reason: 'inactive', userId: user.id },
        },
      )
    }
    if (!linked) {
      await ctx.repos.oidcIdentities.link({
        orgId: provider.orgId,
        issuer: provider.issuer,
        subject: claims.sub,
        userId: user.id,
        now: ctx.clock.now(),
      })
    }
    return user
  }

  /** Refuse an id token seen before; remember it until it expires (the unique index decides). */
  async function spendIdToken(verified: VerifiedIdToken, idToken: string): Promise<void> {
    const now = ctx.clock.now()
    try {
      await ctx.repos.codes.create({
        id: newId('oneTimeCode', now.getTime()),
        orgId: verified.provider.orgId,
        userId: null,
        purpose: 'IdToken',
        codeHash: createHash('sha256').update(idToken).digest('hex'),
        payload: null,
        attempts: 0,
        clientAddress: null,
        expiresAt: new Date((verified.claims.exp ?? 0) * 1000).toISOString(),
        usedAt: now.toISOString(),
        dateCreated: now.toISOString(),
      })
    } catch (err) {
      if (!isUniqueViolation(err)) throw err
      throw new AppError('unauthorized', 'Id token refused: it has already been used to log in.', {
        details: { reason: 'replayed' },
      })
    }
  }

  async function socialLogin(body: SocialBody): Promise<{ token: string }> {
    const verified = await ctx.oidc.verify(body.idToken, { orgId: body.orgId })
    const user = await whoIs(verified)
    await spendIdToken(verified, body.idToken)
    return { token: await issuance.startSession(user, lifetimes.loginSession) }
  }

  async function createSocialRegistrationChallenge(
    body: SocialBody,
    clientAddress: string,
  ): Promise<RegistrationChallengeView> {
    const verified = await ctx.oidc.verify(body.idToken, { orgId: body.orgId })
    const { provider, claims } = verified
    if (!provider.endUserRegistration) {
      throw new AppError(
        'forbidden',
        `Registration through ${provider.issuer} is not enabled for this org.`,
        {
          details: { reason: 'registration-disabled' },
        },
      )
    }
    if (typeof claims.email !== 'string' || claims.email_verified !== true) {
      throw new AppError('unauthorized', 'Id token refused: registration needs a verified e-mail address.', {
        details: { reason: 'email' },
      })
    }
    const linked = await ctx.repos.oidcIdentities.findUserId(provider.orgId, provider.issuer, claims.sub)
    if (linked) {
      const user = await ctx.repos.users.find(provider.orgId, linked)
      if (user?.isRegistered) {
        throw new AppError('conflict', 'This identity is already registered: log in with it.', {
          details: { userId: user.id },
        })
      }
    }
    await openLimits.assertAddressMayOpen(clientAddress)
    await spendIdToken(verified, body.idToken)
    const user = await registration.unregisteredEndUser(provider.orgId, claims.email, undefined, (u, trx) =>
      ctx.repos.oidcIdentities.link(
        {
          orgId: provider.orgId,
          issuer: provider.issuer,
          subject: claims.sub,
          userId: u.id,
          now: ctx.clock.now(),
        },
        trx,
      ),
    )
    return registration.registrationChallengeFor(user, clientAddress)
  }

  async function ssoLoginInit(
    body: { orgId: string; clientId: string; redirectUri: string },
    clientAddress: string,
  ): Promise<{ ssoRedirectUrl: string }> {
    const provider = ctx.oidc.find(body.orgId, body.clientId)
    if (!provider) {
      throw new AppError(
        'validation_failed',
        'Invalid clientId: no single sign-on provider of this org has it.',
        {
          details: { field: 'clientId' },
        },
      )
    }
    let redirect: URL
    try {
      redirect = new URL(body.redirectUri)
    } catch {
      redirect = new URL('invalid:')
    }
    if (redirect.protocol !== 'https:' && redirect.protocol !== 'http:') {
      throw new AppError('validation_failed', 'Invalid redirectUri: an http(s) URL.', {
        details: { field: 'redirectUri' },
      })
    }
    const doc = await ctx.oidc.discovery(provider)
    if (!doc.authorization_endpoint) {
      throw new AppError(
        'service_unavailable',
        `Identity provider ${provider.issuer} has no authorization endpoint.`,
      )
    }
    const state = randomBytes(32).toString('base64url')
    const payload: SsoState = {
      issuer: provider.issuer,
      clientId: provider.clientId,
      redirectUri: body.redirectUri,
      nonce: randomBytes(16).toString('base64url'),
      codeVerifier: randomBytes(32).toString('base64url'),
    }
    const now = ctx.clock.now()
    await ctx.repos.codes.create({
      id: newId('oneTimeCode', now.getTime()),
      orgId: provider.orgId,
      userId: null,
      purpose: 'Sso',
      codeHash: stateHash(state),
      payload: JSON.stringify(payload),
      attempts: 0,
      clientAddress,
      expiresAt: new Date(now.getTime() + lifetimes.ssoState).toISOString(),
      usedAt: null,
      dateCreated: now.toISOString(),
    })
    const url = new URL(doc.authorization_endpoint)
    url.searchParams.set('response_type', 'code')
    url.searchParams.set('client_id', provider.clientId)
    url.searchParams.set('redirect_uri', body.redirectUri)
    url.searchParams.set('scope', 'openid email')
    url.searchParams.set('state', state)
    url.searchParams.set('nonce', payload.nonce)
    url.searchParams.set(
      'code_challenge',
      createHash('sha256').update(payload.codeVerifier).digest('base64url'),
    )
    url.searchParams.set('code_challenge_method', 'S256')
    return { ssoRedirectUrl: url.toString() }
  }

  async function ssoLogin(body: { code: string; state: string }): Promise<{ token: string }> {
    const now = ctx.clock.now()
    const invalid = () =>
      new AppError('unauthorized', 'Single sign-on state is not valid: unknown, expired or already used.', {
        details: { reason: 'state' },
      })
    // The state is a random 256-bit value, looked up by its hash.
    const found = await ctx.repos.codes.findByHash('Sso', stateHash(body.state))
    if (!found?.payload || found.usedAt !== null || found.expiresAt <= now.toISOString()) throw invalid()
    if (!(await ctx.repos.codes.consume(found.id, now))) throw invalid()
    const state = JSON.parse(found.payload) as SsoState
    const provider: OidcProviderConfig | undefined = ctx.oidc.find(found.orgId, state.clientId)
    if (!provider || provider.issuer !== state.issuer) throw invalid()
    const idToken = await ctx.oidc.exchangeCode(provider, {
      code: body.code,
      redirectUri: state.redirectUri,
      codeVerifier: state.codeVerifier,
    })
    const verified = await ctx.oidc.verify(idToken, { provider, nonce: state.nonce })
    const user = await whoIs(verified)
    return { token: await issuance.startSession(user, lifetimes.loginSession) }
  }

  return { socialLogin, createSocialRegistrationChallenge, ssoLoginInit, ssoLogin }
}

const stateHash = (state: string) => createHash('sha256').update(state, 'utf8').digest('hex')

interface SsoState {
  issuer: string
  clientId: string
  redirectUri: string
  nonce: string
  codeVerifier: string
}
