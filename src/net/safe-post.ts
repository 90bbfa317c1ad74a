/**
 * Outbound HTTP POST that cannot be aimed inside: the host is resolved once, every address it
 * resolves to is judged by the address policy, and the connection is made to the judged address
 * (TLS still verifies the host name), so a name that changes its answer between the check and the
 * connect (DNS rebinding) reaches nothing new. Redirects are never followed: a 3xx is an answer
 * like any other. The response body is read up to a cap and the whole exchange has a deadline.
 */
import { lookup as dnsLookup } from 'node:dns/promises'
import http from 'node:http'
import https from 'node:https'
import { isIP, type LookupFunction } from 'node:net'
import type { AddressPolicy } from './address-policy.ts'

export interface ResolvedAddress {
  readonly address: string
  readonly family: 4 | 6
}

/** DNS resolution; injectable so tests can play a rebinding name server. */
export type Resolver = (host: string) => Promise<ResolvedAddress[]>

export const systemResolver: Resolver = async (host) => {
  const found = await dnsLookup(host, { all: true, verbatim: true })
  return found.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }))
}

export class TargetRefused extends Error {
  override name = 'TargetRefused'
  constructor(
    message: string,
    readonly reason: string,
  ) {
    super(message)
  }
}

/** The URL's host without IPv6 brackets. */
function hostOf(url: URL): string {
  return url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname
}

/**
 * The address to connect to for `url`: the first one the name resolves to, when every one of
 * them is allowed (a name with one internal answer among public ones is refused: a client could
 * be steered to any of them). Throws TargetRefused, or the resolver's error.
 */
export async function resolveTarget(
  url: URL,
  policy: AddressPolicy,
  resolve: Resolver,
): Promise<ResolvedAddress> {
  const host = hostOf(url)
  const literal = isIP(host)
  const addresses: ResolvedAddress[] = literal
    ? [{ address: host, family: literal === 6 ? 6 : 4 }]
    : await resolve(host)
  if (addresses.length === 0) throw new Error(`${host} resolves to no address`)
  for (const { address } of addresses) {
    const reason = policy.refusal(address)
    if (reason) {
      throw new TargetRefused(
        `${host} ${literal ? 'is' : `resolves to ${address}, which is`} a ${reason} address`,
        reason,
      )
    }
  }
  return addresses[0]!
}

export interface PostOptions {
  readonly headers: Record<string, string>
  readonly timeoutMs: number
  readonly maxResponseBytes: number
  readonly policy: AddressPolicy
  readonly resolve: Resolver
}

export interface PostResult {
  readonly status: number
  /** The first bytes of the response body (up to the cap). */
  readonly body: string
}

export async function safePost(target: string, body: string, options: PostOptions): Promise<PostResult> {
  const url = new URL(target)
  // The deadline covers the name lookup too: a name server that never answers cannot hold a
  // delivery (and its job's lease) beyond the receiver timeout.
  let lookupTimer: NodeJS.Timeout | undefined
  const pinned = await Promise.race([
    resolveTarget(url, options.policy, options.resolve),
    new Promise<never>((_, reject) => {
      lookupTimer = setTimeout(
        () => reject(new Error(`no answer within ${options.timeoutMs} ms`)),
        options.timeoutMs,
      )
    }),
  ]).finally(() => clearTimeout(lookupTimer))
  // The connection goes to the address judged above, whatever the name resolves to now.
  const lookup: LookupFunction = (_host, opts, callback) => {
    if ((opts as { all?: boolean }).all) {
      ;(callback as (err: null, addresses: { address: string; family: number }[]) => void)(null, [pinned])
    } else callback(null, pinned.address, pinned.family)
  }
  const transport = url.protocol === 'https:' ? https : http
  return new Promise<PostResult>((resolvePromise, reject) => {
    const request = transport.request(
      url,
      {
        method: 'POST',
        lookup,
        agent: false,
        headers: { ...options.headers, 'content-length': String(Buffer.byteLength(body)) },
        timeout: options.timeoutMs,
      },
      (response) => {
        const chunks: Buffer[] = []
        let size = 0
        response.on('data', (chunk: Buffer) => {
          size += chunk.length
          if (size > options.maxResponseBytes) {
            // Enough to judge the answer: the rest is not worth the memory.
            response.destroy()
            finish()
            return
          }
          chunks.push(chunk)
        })
        const finish = () =>
          resolvePromise({
            status: response.statusCode ?? 0,
            body: Buffer.concat(chunks).toString('utf8').slice(0, options.maxResponseBytes),
          })
        response.on('end', finish)
        response.on('error', finish)
      },
    )
    const deadline = setTimeout(
      () => request.destroy(new Error(`no answer within ${options.timeoutMs} ms`)),
      options.timeoutMs,
    )
    request.on('close', () => clearTimeout(deadline))
    request.on('timeout', () => request.destroy(new Error(`no answer within ${options.timeoutMs} ms`)))
    request.on('error', reject)
    request.end(body)
  })
}
