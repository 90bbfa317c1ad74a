import net from 'node:net'
import path from 'node:path'
import { MASTER_KEY_ENV, parseMasterKey } from './custody/secret-box.ts'
import { type OidcProviderConfig, parseOidcProviders } from './domains/auth/oidc-config.ts'
import { parsePriceTable } from './domains/policies/prices.ts'
import { parseCidrList, publicOnly } from './net/address-policy.ts'

/**
 * walletd's configuration: one shape, filled from CLI flags over environment variables over
 * defaults, parsed once and frozen. Every setting is listed in the README's configuration table.
 */
export type Profile = 'development' | 'production'

export interface Config {
  /**
   * `development` (the default): the `/emulator/…` controls behind the operator token, made for a
   * laptop and CI. `production`: none of them, the master key from the environment only, and the
   * development-only settings refused.
   */
  readonly profile: Profile
  readonly host: string
  readonly port: number
  /** Directory for the embedded SQLite database, the master key file and bootstrap.json. */
  readonly dataDir: string
  /** PostgreSQL connection string; when absent walletd uses SQLite in `dataDir`. */
  readonly databaseUrl: string | undefined
  /** Redis connection string for state shared by several nodes (rate limits). */
  readonly redisUrl: string | undefined
  /** The name of this deployment; tokens issued by another region are refused with 401. */
  readonly region: string
  /** The base URL clients use to reach this deployment (named in wrong-region errors). */
  readonly publicUrl: string
  /** 0..1023, part of every error id; random per process when not set. */
  readonly nodeId: number | undefined
  readonly logLevel: string
  /** Maximum accepted request body, in bytes. */
  readonly bodyLimit: number
  /** How many days `walletd errors show` can look back. */
  readonly errorRetentionDays: number
  /** Requests per minute per org when the plan sets none; 0 turns rate limiting off. */
  readonly defaultRateLimit: number
  /**
   * Requests per minute per client address on the routes without a token (login and
   * registration init, login); independent of the org limits, so it holds when those are off.
   * 0 turns it off.
   */
  readonly publicRateLimit: number
  /** USD price per whole unit by asset symbol, for the policy amount rules (`ETH=3000,BTC=60000`). */
  readonly prices: Readonly<Record<string, number>>
  /** Optional price service for symbols missing from `prices`: `{symbol}` is substituted, JSON `{"usd":n}`. */
  readonly priceUrl: string | undefined
  readonly priceTimeoutMs: number
  /** JSON-RPC URLs per network, in failover order (`EthereumSepolia=https://a,https://b Base=https://c`). */
  readonly rpcUrls: Readonly<Record<string, readonly string[]>>
  /** Run the local dev chain (Anvil) for the networks below that have no RPC URL; never in production. */
  readonly devChain: boolean
  /** EVM networks the dev chain impersonates, each with its own chain id. */
  readonly devChainNetworks: readonly string[]
  /** Blocks on top of a block before the follower records it (1: the head itself). */
  readonly chainConfirmations: number
  /** How often each network's block follower looks for new blocks once caught up. */
  readonly chainPollMs: number
  /** ERC-20 contracts shown in every wallet's assets, per network (`EthereumSepolia=0xA,0xB Base=0xC`). */
  readonly evmTokens: Readonly<Record<string, readonly string[]>>
  /** How long a client has to send the request line and headers (Node's headersTimeout). */
  readonly headerTimeoutMs: number
  /** How long a client has to send the whole request, body included, from its first byte. */
  readonly requestTimeoutMs: number
  /** How long a kept-alive connection may sit idle between requests before walletd closes it. */
  readonly idleTimeoutMs: number
  /** Connections accepted at once; further ones are closed by the server without an answer. */
  readonly maxConnections: number
  /** After SIGTERM: how long `/readyz` answers 503 while requests are still served, before the listener closes. */
  readonly drainMs: number
  /** SQLite's `synchronous` pragma for the embedded database (`full` survives a power cut). */
  readonly sqliteSynchronous: 'full' | 'normal'
  /**
   * CIDR ranges of private networks webhooks may reach in the production profile (receivers on
   * the operator's own network); every other internal address stays refused.
   */
  readonly webhookAllowedCidrs: readonly string[]
  /** How long a webhook receiver has to answer. */
  readonly webhookTimeoutMs: number
  /** SMTP server for the codes walletd e-mails (`smtp://user:pass@host:587`, `smtps://…`); none: not sent. */
  readonly smtpUrl: string | undefined
  /** The From address of walletd's e-mails. */
  readonly mailFrom: string
  /** Development: how many API requests (with their responses) the emulator's journal keeps; 0 = none. */
  readonly journalSize: number
  /** OpenID Connect providers for social login and single sign-on, each bound to an org. */
  readonly oidcProviders: readonly OidcProviderConfig[]
}

export type ConfigInput = Partial<Record<keyof Config, string | number | undefined>>

export const DEFAULT_PORT = 8087

const envNames: Record<keyof Config, string> = {
  profile: 'WALLETD_PROFILE',
  host: 'WALLETD_HOST',
  port: 'WALLETD_PORT',
  dataDir: 'WALLETD_DATA_DIR',
  databaseUrl: 'DATABASE_URL',
  redisUrl: 'REDIS_URL',
  region: 'WALLETD_REGION',
  publicUrl: 'WALLETD_PUBLIC_URL',
  nodeId: 'WALLETD_NODE_ID',
  logLevel: 'WALLETD_LOG_LEVEL',
  bodyLimit: 'WALLETD_BODY_LIMIT',
  errorRetentionDays: 'WALLETD_ERROR_RETENTION_DAYS',
  defaultRateLimit: 'WALLETD_RATE_LIMIT',
  publicRateLimit: 'WALLETD_PUBLIC_RATE_LIMIT',
  prices: 'WALLETD_PRICES',
  priceUrl: 'WALLETD_PRICE_URL',
  priceTimeoutMs: 'WALLETD_PRICE_TIMEOUT_MS',
  rpcUrls: 'WALLETD_RPC_URLS',
  devChain: 'WALLETD_DEV_CHAIN',
  devChainNetworks: 'WALLETD_DEV_CHAIN_NETWORKS',
  chainConfirmations: 'WALLETD_CHAIN_CONFIRMATIONS',
  chainPollMs: 'WALLETD_CHAIN_POLL_MS',
  evmTokens: 'WALLETD_EVM_TOKENS',
  headerTimeoutMs: 'WALLETD_HEADER_TIMEOUT_MS',
  requestTimeoutMs: 'WALLETD_REQUEST_TIMEOUT_MS',
  idleTimeoutMs: 'WALLETD_IDLE_TIMEOUT_MS',
  maxConnections: 'WALLETD_MAX_CONNECTIONS',
  drainMs: 'WALLETD_DRAIN_MS',
  sqliteSynchronous: 'WALLETD_SQLITE_SYNCHRONOUS',
  webhookAllowedCidrs: 'WALLETD_WEBHOOK_ALLOWED_CIDRS',
  webhookTimeoutMs: 'WALLETD_WEBHOOK_TIMEOUT_MS',
  smtpUrl: 'WALLETD_SMTP_URL',
  mailFrom: 'WALLETD_MAIL_FROM',
  journalSize: 'WALLETD_JOURNAL_SIZE',
  oidcProviders: 'WALLETD_OIDC_PROVIDERS',
}

export const configEnvNames: Readonly<Record<keyof Config, string>> = envNames

/**
 * Settings that only make sense in the development profile. Setting any of them with
 * `--profile production` is a configuration error (exit 2), never silently ignored: an operator
 * who sets one believes it does something. Other modules add their development-only environment
 * variables here (the dev chain's, the seed file).
 */
export const developmentOnlyEnv: readonly string[] = ['WALLETD_OPERATOR_TOKEN', 'WALLETD_JOURNAL_SIZE']

export class ConfigError extends Error {
  override name = 'ConfigError'
}

function integer(name: string, raw: string | number, min: number, max: number): number {
  const value = typeof raw === 'number' ? raw : Number(raw)
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer in ${min}..${max}, got ${JSON.stringify(raw)}`)
  }
  return value
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const

function oneOf<T extends string>(name: string, raw: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ConfigError(`${name} must be one of ${allowed.join(', ')}, got ${JSON.stringify(raw)}`)
  }
  return raw as T
}

/** An IP address, or a host name made of DNS labels (a dotted quad that is not an IPv4 address is neither). */
function hostName(raw: string): string {
  const label = /^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$/
  const labels = raw.split('.')
  const isName =
    raw.length <= 253 && labels.every((l) => label.test(l)) && !/^[0-9]+$/.test(labels.at(-1) ?? '')
  if (net.isIP(raw) === 0 && !isName) {
    throw new ConfigError(`host must be an IP address or a host name, got ${JSON.stringify(raw)}`)
  }
  return raw
}

function url(name: string, raw: string | undefined, protocols: readonly string[]): string | undefined {
  if (raw === undefined) return undefined
  let parsed: URL
  try {
    parsed = new URL(raw)
  } catch {
    throw new ConfigError(`${name} must be a URL (${protocols.join(' or ')}), got ${JSON.stringify(raw)}`)
  }
  if (!protocols.includes(parsed.protocol.slice(0, -1)) || parsed.hostname === '') {
    throw new ConfigError(`${name} must be a URL (${protocols.join(' or ')}), got ${JSON.stringify(raw)}`)
  }
  return raw
}

function masterKeyFromEnv(env: NodeJS.ProcessEnv): void {
  const raw = env[MASTER_KEY_ENV]
  if (!raw) return
  try {
    parseMasterKey(raw, MASTER_KEY_ENV)
  } catch (err) {
    throw new ConfigError((err as Error).message)
  }
}

function prices(raw: string | undefined): Record<string, number> {
  try {
    return parsePriceTable(raw)
  } catch (err) {
    throw new ConfigError(`prices: ${(err as Error).message}`)
  }
}

/** `Network=url[,url…]` entries separated by whitespace; URLs must be http(s). */
export function parseRpcUrls(raw: string | undefined): Record<string, string[]> {
  const out: Record<string, string[]> = {}
  for (const entry of (raw ?? '').split(/\s+/).filter(Boolean)) {
    const eq = entry.indexOf('=')
    const network = entry.slice(0, eq)
    const urls = entry
      .slice(eq + 1)
      .split(',')
      .filter(Boolean)
    if (eq <= 0 || urls.length === 0) {
      throw new ConfigError(`rpc urls: entry "${entry}" must look like Network=https://…[,https://…]`)
    }
    for (const url of urls) {
      if (!/^https?:\/\/[^\s]+$/.test(url))
        throw new ConfigError(`rpc urls: ${network} URL "${url}" must be http(s)`)
    }
    out[network] = urls
  }
  return out
}

/** `Network=0xContract[,0x…]` entries separated by whitespace. */
export function parseEvmTokens(raw: string | undefined): Record<string, string[]> {
  const out: Record<string, string[]> = {}
  for (const entry of (raw ?? '').split(/\s+/).filter(Boolean)) {
    const eq = entry.indexOf('=')
    const contracts = entry
      .slice(eq + 1)
      .split(',')
      .filter(Boolean)
    if (eq <= 0 || contracts.length === 0 || contracts.some((c) => !/^0x[0-9a-fA-F]{40}$/.test(c))) {
      throw new ConfigError(`evm tokens: entry "${entry}" must look like Network=0x<40 hex>[,0x…]`)
    }
    out[entry.slice(0, eq)] = contracts
  }
  return out
}

function flag(name: string, raw: string | number | undefined, fallback: boolean): boolean {
  if (raw === undefined) return fallback
  const v = String(raw).toLowerCase()
  if (['1', 'true', 'yes', 'on'].includes(v)) return true
  if (['0', 'false', 'no', 'off'].includes(v)) return false
  throw new ConfigError(`${name} must be true or false, got ${JSON.stringify(raw)}`)
}

function cidrs(raw: string | undefined): string[] {
  const list = parseCidrList(raw)
  try {
    publicOnly(list)
  } catch (err) {
    throw new ConfigError(`webhook allowed CIDRs: ${(err as Error).message}`)
  }
  return list
}

/** Build the configuration from flags (highest priority), then `env`, then defaults. */
export function loadConfig(flags: ConfigInput = {}, env: NodeJS.ProcessEnv = process.env): Config {
  const pick = (key: keyof Config): string | number | undefined => {
    const flag = flags[key]
    if (flag !== undefined && flag !== '') return flag
    const fromEnv = env[envNames[key]]
    return fromEnv === undefined || fromEnv === '' ? undefined : fromEnv
  }
  const str = (key: keyof Config, fallback: string) => String(pick(key) ?? fallback)
  const opt = (key: keyof Config) => {
    const v = pick(key)
    return v === undefined ? undefined : String(v)
  }

  const profile = str('profile', 'development')
  if (profile !== 'development' && profile !== 'production') {
    throw new ConfigError(`profile must be development or production, got ${JSON.stringify(profile)}`)
  }
  if (profile === 'production') {
    const set = developmentOnlyEnv.filter((name) => env[name] !== undefined && env[name] !== '')
    if (set.length > 0) {
      throw new ConfigError(
        `${set.join(', ')}: only for the development profile, refused with --profile production`,
      )
    }
  }
  const host = hostName(str('host', '127.0.0.1'))
  const port = integer('port', pick('port') ?? DEFAULT_PORT, 0, 65535)
  const nodeIdRaw = pick('nodeId')
  const databaseUrl = opt('databaseUrl')
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError('database url must start with postgres:// or postgresql://')
  }
  // Checked here, although custody reads it, so that every command refuses a malformed key up front.
  masterKeyFromEnv(env)
  const headerTimeoutMs = integer('header timeout', pick('headerTimeoutMs') ?? 10_000, 100, 600_000)
  const requestTimeoutMs = integer('request timeout', pick('requestTimeoutMs') ?? 30_000, 100, 3_600_000)
  if (requestTimeoutMs < headerTimeoutMs) {
    throw new ConfigError(
      `request timeout (${requestTimeoutMs} ms) must be at least the header timeout (${headerTimeoutMs} ms): it includes the headers`,
    )
  }
  const priceUrl = url('price url', opt('priceUrl'), ['http', 'https'])
  if (priceUrl !== undefined && !priceUrl.includes('{symbol}')) {
    throw new ConfigError(`price url must contain {symbol}, got ${JSON.stringify(priceUrl)}`)
  }
  const smtpUrl = opt('smtpUrl')
  if (smtpUrl !== undefined && !/^smtps?:\/\/[^/]/.test(smtpUrl)) {
    throw new ConfigError('smtp url must start with smtp:// or smtps://')
  }
  let oidcProviders: OidcProviderConfig[]
  try {
    oidcProviders = parseOidcProviders(opt('oidcProviders'))
  } catch (err) {
    throw new ConfigError(`oidc providers: ${(err as Error).message}`)
  }
  const config: Config = {
    profile,
    host,
    port,
    dataDir: path.resolve(str('dataDir', 'walletd-data')),
    databaseUrl,
    redisUrl: url('redis url', opt('redisUrl'), ['redis', 'rediss']),
    region: str('region', 'local'),
    publicUrl: url(
      'public url',
      str('publicUrl', `http://${host.includes(':') ? `[${host}]` : host}:${port}`),
      ['http', 'https'],
    ) as string,
    nodeId: nodeIdRaw === undefined ? undefined : integer('node id', nodeIdRaw, 0, 1023),
    logLevel: oneOf('log level', str('logLevel', 'info'), LOG_LEVELS),
    bodyLimit: integer('body limit', pick('bodyLimit') ?? 1024 * 1024, 1024, 64 * 1024 * 1024),
    errorRetentionDays: integer('error retention days', pick('errorRetentionDays') ?? 14, 1, 3650),
    defaultRateLimit: integer('rate limit', pick('defaultRateLimit') ?? 0, 0, 10_000_000),
    publicRateLimit: integer('public rate limit', pick('publicRateLimit') ?? 300, 0, 10_000_000),
    prices: Object.freeze(prices(opt('prices'))),
    priceUrl,
    priceTimeoutMs: integer('price timeout', pick('priceTimeoutMs') ?? 2000, 1, 60_000),
    rpcUrls: Object.freeze(parseRpcUrls(opt('rpcUrls'))),
    devChain: flag('dev chain', pick('devChain'), true),
    devChainNetworks: Object.freeze(
      (opt('devChainNetworks') ?? 'EthereumSepolia')
        .split(',')
        .map((n) => n.trim())
        .filter(Boolean),
    ),
    chainConfirmations: integer('chain confirmations', pick('chainConfirmations') ?? 1, 1, 1000),
    chainPollMs: integer('chain poll', pick('chainPollMs') ?? 2000, 100, 600_000),
    evmTokens: Object.freeze(parseEvmTokens(opt('evmTokens'))),
    headerTimeoutMs,
    requestTimeoutMs,
    idleTimeoutMs: integer('idle timeout', pick('idleTimeoutMs') ?? 72_000, 100, 3_600_000),
    maxConnections: integer('max connections', pick('maxConnections') ?? 1000, 1, 1_000_000),
    drainMs: integer('drain', pick('drainMs') ?? 5000, 0, 600_000),
    sqliteSynchronous: oneOf('sqlite synchronous', str('sqliteSynchronous', 'full'), [
      'full',
      'normal',
    ] as const),
    webhookAllowedCidrs: Object.freeze(cidrs(opt('webhookAllowedCidrs'))),
    webhookTimeoutMs: integer('webhook timeout', pick('webhookTimeoutMs') ?? 10_000, 100, 60_000),
    smtpUrl,
    mailFrom: str('mailFrom', 'walletd <walletd@localhost>'),
    journalSize: integer('journal size', pick('journalSize') ?? 1000, 0, 100_000),
    oidcProviders: Object.freeze(oidcProviders),
  }
  return Object.freeze(config)
}
