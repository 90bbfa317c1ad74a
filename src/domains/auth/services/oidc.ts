import { createRemoteJWKSet, decodeJwt, errors, type JWTPayload, jwtVerify } from 'jose'
import type { Clock } from '../../../clock.ts'
import { AppError } from '../../../errors.ts'
import type { OidcProviderConfig } from '../oidc-config.ts'

/**
 * OpenID Connect id tokens from the issuers the operator configured (oidc-config.ts). For each
 * issuer the discovery document (`<issuer>/.well-known/openid-configuration`) is fetched once and
 * kept for an hour; its `jwks_uri` is read through jose's `createRemoteJWKSet`, which caches the
 * keys and refetches them (at most every 30 s) when a token names a key it does not know, so a key
 * rotation at the issuer is followed. A token is accepted when its signature verifies with a key of
 * the issuer (RS256, PS256, ES256, ES384 or EdDSA), `iss` is the issuer exactly, `aud` names the
 * provider's clientId, `exp` is in the future by walletd's clock (no tolerance), it has `sub`, and,
 * when a nonce is expected, `nonce` is that nonce. Every refusal is a 401 saying which check failed.
 */

export interface DiscoveryDocument {
  issuer: string
  jwks_uri: string
  authorization_endpoint?: string
  token_endpoint?: string
}

export interface VerifiedIdToken {
  provider: OidcProviderConfig
  claims: JWTPayload & { sub: string; email?: unknown; email_verified?: unknown; nonce?: unknown }
}

const DISCOVERY_TTL_MS = 60 * 60_000
const FETCH_TIMEOUT_MS = 5000
const ALGORITHMS = ['RS256', 'PS256', 'ES256', 'ES384', 'EdDSA']

const refused = (message: string, reason: string) =>
  new AppError('unauthorized', `Id token refused: ${message}`, { details: { reason } })

export class OidcProviders {
  readonly #providers: readonly OidcProviderConfig[]
  readonly #clock: Clock
  readonly #discovery = new Map<string, { doc: DiscoveryDocument; fetchedAt: number }>()
  readonly #keySets = new Map<string, ReturnType<typeof createRemoteJWKSet>>()

  constructor(providers: readonly OidcProviderConfig[], clock: Clock) {
    this.#providers = providers
    this.#clock = clock
  }

  /** The provider of an org with this clientId (single sign-on init). */
  find(orgId: string, clientId: string): OidcProviderConfig | undefined {
    return this.#providers.find((p) => p.orgId === orgId && p.clientId === clientId)
  }

  async discovery(provider: OidcProviderConfig): Promise<DiscoveryDocument> {
    const now = this.#clock.now().getTime()
    const cached = this.#discovery.get(provider.issuer)
    if (cached && now - cached.fetchedAt < DISCOVERY_TTL_MS) return cached.doc
    const url = `${provider.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`
    let doc: Partial<DiscoveryDocument>
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS), redirect: 'error' })
      if (!res.ok) throw new Error(`HTTP ${res.status}`)
      doc = (await res.json()) as Partial<DiscoveryDocument>
    } catch (err) {
      throw new AppError('service_unavailable', `Identity provider ${provider.issuer} cannot be reached.`, {
        details: { issuer: provider.issuer },
        cause: err,
      })
    }
    if (doc.issuer !== provider.issuer || typeof doc.jwks_uri !== 'string') {
      throw new AppError(
        'service_unavailable',
        `Identity provider ${provider.issuer} has an unusable discovery document.`,
        {
          details: { issuer: provider.issuer },
        },
      )
    }
    const usable = doc as DiscoveryDocument
    this.#discovery.set(provider.issuer, { doc: usable, fetchedAt: now })
    return usable
  }

  #keys(jwksUri: string) {
    let set = this.#keySets.get(jwksUri)
    if (!set) {
      set = createRemoteJWKSet(new URL(jwksUri), {
        timeoutDuration: FETCH_TIMEOUT_MS,
        cooldownDuration: 30_000,
        cacheMaxAge: DISCOVERY_TTL_MS,
      })
      this.#keySets.set(jwksUri, set)
    }
    return set
  }

  /**
   * Verify an id token against the provider it claims to come from: one whose issuer is its `iss`,
   * whose clientId its `aud` names and (when given) whose org is `orgId`, or `provider` when known.
   */
  async verify(
    idToken: string,
    expect: { orgId?: string | undefined; provider?: OidcProviderConfig; nonce?: string },
  ): Promise<VerifiedIdToken> {
    let unverified: JWTPayload
    try {
      unverified = decodeJwt(idToken)
    } catch {
      throw refused('it is not a JWT.', 'malformed')
    }
    const audiences = typeof unverified.aud === 'string' ? [unverified.aud] : (unverified.aud ?? [])
    const provider =
      expect.provider ??
      this.#providers.find(
        (p) =>
          p.issuer === unverified.iss &&
          audiences.includes(p.clientId) &&
          (expect.orgId === undefined || p.orgId === expect.orgId),
      )
    if (!provider) {
      const knownIssuer = this.#providers.some(
        (p) => p.issuer === unverified.iss && (expect.orgId === undefined || p.orgId === expect.orgId),
      )
      throw knownIssuer
        ? refused('its audience is not a client this org trusts.', 'audience')
        : refused('its issuer is not a provider this org trusts.', 'issuer')
    }
    const doc = await this.discovery(provider)
    let claims: JWTPayload
    try {
      ;({ payload: claims } = await jwtVerify(idToken, this.#keys(doc.jwks_uri), {
        issuer: provider.issuer,
        audience: provider.clientId,
        algorithms: ALGORITHMS,
        currentDate: this.#clock.now(),
        requiredClaims: ['exp', 'sub'],
      }))
    } catch (err) {
      throw explain(err)
    }
    if (expect.nonce !== undefined && claims.nonce !== expect.nonce) {
      throw refused('its nonce is not the one this login started with.', 'nonce')
    }
    return { provider, claims: claims as VerifiedIdToken['claims'] }
  }

  /** Exchange an authorization code at the provider's token endpoint; returns the id token. */
  async exchangeCode(
    provider: OidcProviderConfig,
    input: { code: string; redirectUri: string; codeVerifier: string },
  ): Promise<string> {
    const doc = await this.discovery(provider)
    if (!doc.token_endpoint) {
      throw new AppError('service_unavailable', `Identity provider ${provider.issuer} has no token endpoint.`)
    }
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' }
    if (provider.clientSecret !== undefined) {
      const basic = `${encodeURIComponent(provider.clientId)}:${encodeURIComponent(provider.clientSecret)}`
      headers.authorization = `Basic ${Buffer.from(basic).toString('base64')}`
    }
    const form = new URLSearchParams({
      grant_type: 'authorization_code',
      code: input.code,
      redirect_uri: input.redirectUri,
      client_id: provider.clientId,
      code_verifier: input.codeVerifier,
    })
    let res: Response
    try {
      res = await fetch(doc.token_endpoint, {
        method: 'POST',
        headers,
        body: form.toString(),
        signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
        redirect: 'error',
      })
    } catch (err) {
      throw new AppError('service_unavailable', `Identity provider ${provider.issuer} cannot be reached.`, {
        cause: err,
      })
    }
    const body = (await res.json().catch(() => ({}))) as { id_token?: unknown; error?: unknown }
    if (!res.ok || typeof body.id_token !== 'string') {
      const error = typeof body.error === 'string' ? body.error.slice(0, 100) : `HTTP ${res.status}`
      throw new AppError('unauthorized', `Identity provider refused the authorization code (${error}).`, {
        details: { reason: 'code-exchange' },
      })
    }
    return body.id_token
  }
}

function explain(err: unknown): AppError {
  if (err instanceof AppError) return err
  if (err instanceof errors.JWTExpired) return refused('it has expired.', 'expired')
  if (err instanceof errors.JWTClaimValidationFailed) {
    return refused(
      `claim ${err.claim} is not valid (${err.reason}).`,
      err.claim === 'aud' ? 'audience' : err.claim,
    )
  }
  if (err instanceof errors.JWKSNoMatchingKey)
    return refused('it is signed by a key the issuer does not publish.', 'unknown-key')
  if (err instanceof errors.JWSSignatureVerificationFailed)
    return refused('its signature does not verify.', 'signature')
  if (err instanceof errors.JOSEAlgNotAllowed) return refused('its algorithm is not accepted.', 'algorithm')
  if (err instanceof errors.JWKSTimeout || err instanceof errors.JWKSInvalid) {
    return new AppError('service_unavailable', 'The identity provider keys cannot be fetched.', {
      cause: err,
    })
  }
  if (err instanceof errors.JOSEError) return refused('it is malformed.', 'malformed')
  // Anything else comes from fetching the keys (network).
  return new AppError('service_unavailable', 'The identity provider keys cannot be fetched.', { cause: err })
}
