import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto'
import { p256 } from '@noble/curves/nist.js'
import { CompactSign, compactVerify } from 'jose'
import type { Clock } from '../../../clock.ts'
import type { SecretBox } from '../../../custody/secret-box.ts'
import { AppError } from '../../../errors.ts'
import { newId } from '../../../ids.ts'
import { RecentMap } from '../../../recent-map.ts'
import type { TokenKind } from '../model.ts'
import type { SigningKeyRepository, StoredSigningKey } from '../repositories/signing-keys.ts'

/**
 * Bearer tokens: ES256 JWTs signed with a key generated on first start and stored sealed in the
 * database (so every node on one PostgreSQL signs and verifies with the same key).
 *
 * Claims (as Dfns issues them): iss `walletd:<region>`, aud `dfns:auth:user`, sub `<orgId>-<userId>`,
 * jti = the token id, iat/exp, `https://custom/username`, `https://custom/app_metadata`
 * {orgId, userId, tokenId, tokenKind, appId} (the SDK checks orgId) and `https://custom/region`
 * {name, url} so a token sent to the wrong deployment is refused with the host to use.
 *
 * Verified signatures are cached (token → claims, the least recently used dropped first); expiry is checked against the clock on every
 * call and revocation is not this class's business: authentication looks the token up each time.
 */
export const APP_METADATA_CLAIM = 'https://custom/app_metadata'
export const USERNAME_CLAIM = 'https://custom/username'
export const REGION_CLAIM = 'https://custom/region'
const AUDIENCE = 'dfns:auth:user'
const KEY_PURPOSE = 'jwt-signing'
const CACHE_SIZE = 10_000

export interface TokenClaims {
  orgId: string
  userId: string
  tokenId: string
  tokenKind: TokenKind
  appId: string
  username: string
  /** Seconds since the epoch. */
  exp: number
}

interface SigningKey {
  kid: string
  privateKey: KeyObject
  publicKey: KeyObject
}

export interface TokenServiceDeps {
  keys: SigningKeyRepository
  secrets: SecretBox
  /** During a master-key rotation: the previous key, tried when the current one cannot open. */
  previousSecrets?: SecretBox | undefined
  clock: Clock
  region: string
  publicUrl: string
}

export class TokenService {
  readonly #deps: TokenServiceDeps
  readonly #issuer: string
  #key: Promise<SigningKey> | undefined
  readonly #verified = new RecentMap<string, TokenClaims>(CACHE_SIZE)

  constructor(deps: TokenServiceDeps) {
    this.#deps = deps
    this.#issuer = `walletd:${deps.region}`
  }

  /**
   * `fixed` (the emulator's seed): `iat` is the given time instead of the clock's and the ES256
   * signature is RFC 6979's deterministic one, so the same claims give the same token, byte for
   * byte, for as long as the deployment keeps its signing key.
   */
  async issue(
    claims: Omit<TokenClaims, 'exp'>,
    expiresAt: Date,
    fixed?: { issuedAt: Date },
  ): Promise<string> {
    const key = await this.signingKey()
    const now = Math.floor((fixed?.issuedAt ?? this.#deps.clock.now()).getTime() / 1000)
    const payload = {
      iss: this.#issuer,
      aud: AUDIENCE,
      sub: `${claims.orgId}-${claims.userId}`,
      jti: claims.tokenId,
      iat: now,
      exp: Math.floor(expiresAt.getTime() / 1000),
      [USERNAME_CLAIM]: claims.username,
      [APP_METADATA_CLAIM]: {
        orgId: claims.orgId,
        userId: claims.userId,
        tokenId: claims.tokenId,
        tokenKind: claims.tokenKind,
        appId: claims.appId,
      },
      [REGION_CLAIM]: { name: this.#deps.region, url: this.#deps.publicUrl },
    }
    const header = { alg: 'ES256', typ: 'JWT', kid: key.kid }
    if (fixed) {
      const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`
      const d = Buffer.from(String(key.privateKey.export({ format: 'jwk' }).d), 'base64url')
      try {
        const signature = p256.sign(Buffer.from(input, 'ascii'), d)
        return `${input}.${Buffer.from(signature).toString('base64url')}`
      } finally {
        d.fill(0)
      }
    }
    return new CompactSign(Buffer.from(JSON.stringify(payload)))
      .setProtectedHeader(header)
      .sign(key.privateKey)
  }

  /** Forget verified tokens (the emulator's reset: the database they were checked against changed). */
  clearCache(): void {
    this.#verified.clear()
  }

  /** The claims of a token this deployment issued and that has not expired; else a 401. */
  async verify(token: string): Promise<TokenClaims> {
    let claims = this.#verified.get(token)
    if (!claims) {
      const payload = decodePayload(token)
      this.assertOurRegion(payload)
      const key = await this.signingKey()
      try {
        await compactVerify(token, key.publicKey, { algorithms: ['ES256'] })
      } catch {
        throw new AppError('unauthorized', 'Bearer token signature is invalid.', {
          details: { reason: 'signature' },
        })
      }
      claims = claimsOf(payload)
      this.#verified.set(token, claims)
    }
    const nowSeconds = this.#deps.clock.now().getTime() / 1000
    if (claims.exp <= nowSeconds) {
      throw new AppError(
        'unauthorized',
        `Bearer token expired at ${new Date(claims.exp * 1000).toISOString()}.`,
        {
          details: { reason: 'expired' },
        },
      )
    }
    return claims
  }

  private assertOurRegion(payload: Record<string, unknown>): void {
    if (payload.iss === this.#issuer) return
    const region = payload[REGION_CLAIM] as { name?: unknown; url?: unknown } | undefined
    if (typeof payload.iss === 'string' && payload.iss.startsWith('walletd:') && region) {
      const name = String(region.name ?? payload.iss.slice('walletd:'.length)).slice(0, 100)
      const url = typeof region.url === 'string' ? region.url.slice(0, 200) : undefined
      throw new AppError(
        'wrong_region',
        `Bearer token was issued by region ${JSON.stringify(name)}, not by this one (${JSON.stringify(this.#deps.region)}); ` +
          `send it to ${url ?? `the ${name} deployment`} instead.`,
        { details: { tokenRegion: name, ...(url ? { host: url } : {}), region: this.#deps.region } },
      )
    }
    throw new AppError('unauthorized', 'Bearer token was not issued by this deployment.', {
      details: { reason: 'issuer' },
    })
  }

  /** The deployment's signing key, created on first use (race-safe across nodes). */
  private signingKey(): Promise<SigningKey> {
    this.#key ??= this.loadOrCreateKey().catch((err) => {
      this.#key = undefined
      throw err
    })
    return this.#key
  }

  private async loadOrCreateKey(): Promise<SigningKey> {
    const { keys, secrets, clock } = this.#deps
    let stored = await keys.find(KEY_PURPOSE)
    if (!stored) {
      const pair = generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
      const kid = newId('key', clock.now().getTime())
      const pkcs8 = pair.privateKey.export({ type: 'pkcs8', format: 'pem' })
      stored = await keys.insertIfAbsentThenRead(
        {
          purpose: KEY_PURPOSE,
          kid,
          algorithm: 'ES256',
          publicKey: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
          sealedPrivateKey: secrets.seal(Buffer.from(pkcs8), associatedData({ purpose: KEY_PURPOSE, kid })),
        },
        clock.now(),
      )
    }
    const pem = openSealed(stored, secrets, this.#deps.previousSecrets)
    return {
      kid: stored.kid,
      privateKey: createPrivateKey(pem),
      publicKey: createPublicKey(stored.publicKey),
    }
  }

  /** The public half, for a JWKS document. */
  async publicJwk(): Promise<Record<string, unknown>> {
    const key = await this.signingKey()
    return { ...key.publicKey.export({ format: 'jwk' }), kid: key.kid, alg: 'ES256', use: 'sig' }
  }
}

/** What a token-signing key's ciphertext is bound to (also read by the master-key check). */
export const signingKeyAssociatedData = (key: { purpose: string; kid: string }) =>
  `signing-key:${key.purpose}:${key.kid}`
const associatedData = signingKeyAssociatedData

function openSealed(key: StoredSigningKey, secrets: SecretBox, previous: SecretBox | undefined): Buffer {
  try {
    return secrets.open(key.sealedPrivateKey, associatedData(key))
  } catch (err) {
    if (!previous) throw err
    return previous.open(key.sealedPrivateKey, associatedData(key))
  }
}

/**
 * Master-key rotation: re-seal token-signing keys still under the previous master key (compare-
 * and-swap on the old ciphertext, so it can be interrupted and re-run). Tokens stay valid: the key
 * pair itself does not change.
 */
export async function resealSigningKeys(deps: {
  keys: SigningKeyRepository
  secrets: SecretBox
  previousSecrets: SecretBox
}): Promise<{ resealed: number; current: number; unreadable: string[] }> {
  const report = { resealed: 0, current: 0, unreadable: [] as string[] }
  for (const key of await deps.keys.list()) {
    try {
      deps.secrets.open(key.sealedPrivateKey, associatedData(key)).fill(0)
      report.current++
      continue
    } catch {
      // not under the current key
    }
    let plain: Buffer
    try {
      plain = deps.previousSecrets.open(key.sealedPrivateKey, associatedData(key))
    } catch {
      report.unreadable.push(key.purpose)
      continue
    }
    const next = deps.secrets.seal(plain, associatedData(key))
    plain.fill(0)
    if (await deps.keys.replaceSealed(key.purpose, key.sealedPrivateKey, next)) report.resealed++
  }
  return report
}

const b64url = (text: string) => Buffer.from(text, 'utf8').toString('base64url')

function malformed(reason: string): AppError {
  return new AppError('unauthorized', `Bearer token is malformed: ${reason}.`, {
    details: { reason: 'malformed' },
  })
}

function decodePayload(token: string): Record<string, unknown> {
  const parts = token.split('.')
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]+$/.test(p))) {
    throw malformed('expected three base64url segments')
  }
  try {
    const payload: unknown = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8'))
    if (payload && typeof payload === 'object' && !Array.isArray(payload))
      return payload as Record<string, unknown>
  } catch {
    // fall through
  }
  throw malformed('the payload is not a JSON object')
}

function claimsOf(payload: Record<string, unknown>): TokenClaims {
  const meta = payload[APP_METADATA_CLAIM] as Record<string, unknown> | undefined
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined)
  const claims = {
    orgId: str(meta?.orgId),
    userId: str(meta?.userId),
    tokenId: str(meta?.tokenId),
    tokenKind: str(meta?.tokenKind),
    appId: str(meta?.appId),
    username: str(payload[USERNAME_CLAIM]) ?? '',
    exp: typeof payload.exp === 'number' ? payload.exp : undefined,
  }
  if (
    payload.aud !== AUDIENCE ||
    !claims.orgId ||
    !claims.userId ||
    !claims.tokenId ||
    !claims.tokenKind ||
    !claims.appId ||
    claims.exp === undefined
  ) {
    // Signed by us yet incomplete: only possible with a bug, never with a forged token.
    throw malformed('required claims are missing')
  }
  return claims as TokenClaims
}
