/**
 * A real OpenID Connect issuer on loopback for the social and single sign-on tests: its keys are
 * made here, and it serves its discovery document, its JWKS, an authorization endpoint (which
 * "logs in" whoever the test names and redirects back with a code) and a token endpoint (which
 * checks the client secret, the redirect URI and the PKCE verifier before handing out an id token).
 * Nothing reaches the internet.
 */
import { createHash, randomBytes } from 'node:crypto'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { exportJWK, generateKeyPair, type JWTPayload, SignJWT } from 'jose'

type SigningKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey']

export interface Person {
  sub: string
  email?: string
  email_verified?: boolean
}

export interface LocalIssuer {
  readonly issuer: string
  /** An id token for `person`, valid from `now` for an hour, unless `options` say otherwise. */
  idToken(
    person: Person,
    options: { now: Date; aud?: string; expiresAt?: Date; key?: SigningKey; kid?: string; nonce?: string },
  ): Promise<string>
  /** Another key pair, never published by this issuer. */
  strangerKey(): Promise<SigningKey>
  /** Who the authorization endpoint logs in next, and (optionally) a nonce to put instead of the one asked for. */
  nextLogin(person: Person, options?: { now: Date; nonce?: string }): void
  /** How many times the JWKS was fetched (the cache). */
  readonly jwksFetches: number
  close(): Promise<void>
}

export async function startLocalIssuer(client: {
  clientId: string
  clientSecret: string
}): Promise<LocalIssuer> {
  const { privateKey, publicKey } = await generateKeyPair('RS256')
  const kid = randomBytes(6).toString('hex')
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' }
  let pending: { person: Person; now: Date; nonce?: string | undefined } | undefined
  const codes = new Map<
    string,
    { person: Person; now: Date; nonce: string; redirectUri: string; challenge: string }
  >()
  let jwksFetches = 0

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', issuer)
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
    }
    if (req.method === 'GET' && url.pathname === '/.well-known/openid-configuration') {
      return json(200, {
        issuer,
        jwks_uri: `${issuer}/jwks`,
        authorization_endpoint: `${issuer}/authorize`,
        token_endpoint: `${issuer}/token`,
        response_types_supported: ['code'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256'],
      })
    }
    if (req.method === 'GET' && url.pathname === '/jwks') {
      jwksFetches++
      return json(200, { keys: [jwk] })
    }
    if (req.method === 'GET' && url.pathname === '/authorize') {
      const q = url.searchParams
      if (!pending || q.get('client_id') !== client.clientId || q.get('code_challenge_method') !== 'S256') {
        return json(400, { error: 'invalid_request' })
      }
      const code = randomBytes(16).toString('base64url')
      codes.set(code, {
        person: pending.person,
        now: pending.now,
        nonce: pending.nonce ?? q.get('nonce') ?? '',
        redirectUri: q.get('redirect_uri') ?? '',
        challenge: q.get('code_challenge') ?? '',
      })
      pending = undefined
      const back = new URL(q.get('redirect_uri') ?? '')
      back.searchParams.set('code', code)
      back.searchParams.set('state', q.get('state') ?? '')
      res.writeHead(302, { location: back.toString() }).end()
      return
    }
    if (req.method === 'POST' && url.pathname === '/token') {
      let raw = ''
      req.on('data', (chunk) => {
        raw += chunk
      })
      req.on('end', async () => {
        const form = new URLSearchParams(raw)
        const expected = `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}`
        const grant = codes.get(form.get('code') ?? '')
        codes.delete(form.get('code') ?? '')
        if (req.headers.authorization !== expected) return json(401, { error: 'invalid_client' })
        const verifier = form.get('code_verifier') ?? ''
        if (
          !grant ||
          form.get('grant_type') !== 'authorization_code' ||
          form.get('redirect_uri') !== grant.redirectUri ||
          createHash('sha256').update(verifier).digest('base64url') !== grant.challenge
        ) {
          return json(400, { error: 'invalid_grant' })
        }
        const idToken = await sign(grant.person, { now: grant.now, nonce: grant.nonce })
        json(200, { access_token: randomBytes(8).toString('hex'), token_type: 'Bearer', id_token: idToken })
      })
      return
    }
    json(404, { error: 'not_found' })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

  async function sign(
    person: Person,
    options: { now: Date; aud?: string; expiresAt?: Date; key?: SigningKey; kid?: string; nonce?: string },
  ): Promise<string> {
    const iat = Math.floor(options.now.getTime() / 1000)
    const exp = options.expiresAt ? Math.floor(options.expiresAt.getTime() / 1000) : iat + 3600
    const claims: JWTPayload = { ...person, ...(options.nonce ? { nonce: options.nonce } : {}) }
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: options.kid ?? kid })
      .setIssuer(issuer)
      .setAudience(options.aud ?? client.clientId)
      .setSubject(person.sub)
      .setJti(randomBytes(8).toString('hex'))
      .setIssuedAt(iat)
      .setExpirationTime(exp)
      .sign(options.key ?? privateKey)
  }

  return {
    issuer,
    idToken: sign,
    strangerKey: async () => (await generateKeyPair('RS256')).privateKey,
    nextLogin(person, options) {
      pending = { person, now: options?.now ?? new Date(), nonce: options?.nonce }
    },
    get jwksFetches() {
      return jwksFetches
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}
