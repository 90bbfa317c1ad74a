/**
 * The OpenID Connect providers an operator trusts for social login and single sign-on
 * (`WALLETD_OIDC_PROVIDERS`, a JSON array). Each is bound to one org:
 *
 *   [{ "issuer": "https://accounts.example.com",   exact `iss` of its id tokens; its discovery
 *                                                    document is <issuer>/.well-known/openid-configuration
 *      "clientId": "walletd-app",                  the audience id tokens must name
 *      "clientSecret": "…",                        for the authorization code exchange (SSO); optional
 *      "orgId": "or-…",                            the org whose users it logs in
 *      "endUserRegistration": false }]             may unknown people register as end users (social registration)
 *
 * The issuer must be https, or http on a loopback host (a local issuer in development and tests).
 */
export interface OidcProviderConfig {
  readonly issuer: string
  readonly clientId: string
  readonly clientSecret: string | undefined
  readonly orgId: string
  readonly endUserRegistration: boolean
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]'])

/** Parse the setting; throws an Error naming what is wrong (config.ts turns it into a ConfigError). */
export function parseOidcProviders(raw: string | undefined): OidcProviderConfig[] {
  if (raw === undefined || raw.trim() === '') return []
  let parsed: unknown
  try {
    parsed = JSON.parse(raw)
  } catch {
    throw new Error('must be a JSON array of {issuer, clientId, clientSecret?, orgId, endUserRegistration?}')
  }
  if (!Array.isArray(parsed)) throw new Error('must be a JSON array')
  const seen = new Set<string>()
  return parsed.map((entry, i) => {
    const at = `entry ${i}`
    if (!entry || typeof entry !== 'object') throw new Error(`${at} must be an object`)
    const e = entry as Record<string, unknown>
    for (const key of Object.keys(e)) {
      if (!['issuer', 'clientId', 'clientSecret', 'orgId', 'endUserRegistration'].includes(key)) {
        throw new Error(`${at}: unknown field ${JSON.stringify(key)}`)
      }
    }
    const text = (key: string, required: boolean) => {
      const v = e[key]
      if (v === undefined && !required) return undefined
      if (typeof v !== 'string' || v === '') throw new Error(`${at}: ${key} must be a non-empty string`)
      return v
    }
    const issuer = text('issuer', true)!
    let url: URL
    try {
      url = new URL(issuer)
    } catch {
      throw new Error(`${at}: issuer must be a URL`)
    }
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK.has(url.hostname))) {
      throw new Error(`${at}: issuer must be https (http only on a loopback host)`)
    }
    if (e.endUserRegistration !== undefined && typeof e.endUserRegistration !== 'boolean') {
      throw new Error(`${at}: endUserRegistration must be true or false`)
    }
    const provider: OidcProviderConfig = {
      issuer,
      clientId: text('clientId', true)!,
      clientSecret: text('clientSecret', false),
      orgId: text('orgId', true)!,
      endUserRegistration: e.endUserRegistration === true,
    }
    const key = `${provider.issuer} ${provider.clientId} ${provider.orgId}`
    if (seen.has(key)) throw new Error(`${at}: issuer, clientId and orgId repeat an earlier entry`)
    seen.add(key)
    return provider
  })
}
