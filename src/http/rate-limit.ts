import rateLimit from '@fastify/rate-limit'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Clock } from '../clock.ts'
import { AppError } from '../errors.ts'
import { RecentMap } from '../recent-map.ts'

/**
 * Per-org rate limits over a 60 s window, with `@fastify/rate-limit`.
 *
 * - Key: the caller's org once authenticated (so every token and app of an org shares one quota),
 *   the client address for unauthenticated routes (login, registration).
 * - Quota: the org's plan (`rateLimitPerMinute`); 0 means unlimited and the request is not counted.
 *   The routes without a token have their own per-address quota (`WALLETD_PUBLIC_RATE_LIMIT`, on
 *   by default), so login and registration stay limited when org limits are off.
 * - Store: in memory on one node; Redis when `redisUrl` is set, so several nodes share the count.
 * - Headers: X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset (unix seconds, as Dfns
 *   documents; the plugin's own value is seconds-until-reset and is rewritten) on every counted
 *   response, and Retry-After (seconds) on 429.
 *
 * It runs after authentication (it needs the verified org), not before it as design.md first
 * sketched: keying on an unverified token claim would let anyone spend another org's quota. So a
 * request refused with 401 is counted against no org and carries no X-RateLimit-* headers; every
 * request that authenticated is counted, whatever it answers (403, 404, 402 …).
 *
 * The window is fixed, starting with an org's first counted request. In memory it runs on walletd's
 * Clock (so the emulator's clock control moves it too); with Redis it runs on Redis's own clock
 * (key expiry), shared by the nodes, which the emulator's clock does not move. A Redis that cannot
 * be reached fails open: the request is served uncounted and the error logged, so an outage of the
 * limiter is not an outage of the API.
 */
export interface RateLimitDeps {
  /** Requests per minute for the org; 0 means unlimited (not counted, no headers). */
  quotaFor(orgId: string): Promise<number>
  /** Per client address on the routes without a token (login, registration); 0 = unlimited. */
  unauthenticatedQuota: number
  redisUrl: string | undefined
  clock: Clock
}

interface Window {
  current: number
  ttl: number
  startMs: number
}

/** How many keys (orgs, client addresses) the in-memory store keeps; the least recently counted go first. */
const MEMORY_KEYS = 10_000

/** The in-memory store of `@fastify/rate-limit` (its `incr`/`child` contract), on walletd's Clock. */
function clockStore(clock: Clock, windows: RecentMap<string, Window>) {
  return class ClockStore {
    incr(key: string, done: (err: Error | null, res: Window) => void, timeWindow: number): void {
      const now = clock.now().getTime()
      const window = windows.getOrCreate(key, () => ({ current: 0, ttl: timeWindow, startMs: now }))
      // A window that ran out, or that starts after now, starts again.
      if (window.startMs + timeWindow <= now || window.startMs > now) {
        window.current = 0
        window.startMs = now
      }
      window.current++
      window.ttl = timeWindow - (now - window.startMs)
      done(null, window)
    }
    child(): ClockStore {
      return this
    }
  }
}

export const RATE_LIMIT_WINDOW_MS = 60_000

/**
 * Returns `clearCounters`, which forgets this node's in-memory windows (the emulator's reset: the
 * orgs they counted may be gone). Counters kept in Redis are the deployment's and stay.
 */
export async function installRateLimit(
  app: FastifyInstance,
  deps: RateLimitDeps,
): Promise<{ clearCounters(): void }> {
  const windows = new RecentMap<string, Window>(MEMORY_KEYS)
  // ioredis is loaded only when a Redis is configured: it costs ~20 MB of memory at start.
  const redis = deps.redisUrl
    ? new (await import('ioredis')).Redis(deps.redisUrl, {
        // Fail fast while Redis is away (the request is then served uncounted, see above) rather
        // than queueing every request behind the reconnection.
        enableOfflineQueue: false,
        maxRetriesPerRequest: 1,
        commandTimeout: 1000,
        lazyConnect: false,
      })
    : undefined
  if (redis) {
    let lastWarning = 0
    redis.on('error', (err) => {
      // ioredis retries by itself; one line every 10 s is enough to tell the operator.
      const now = deps.clock.now().getTime()
      if (Math.abs(now - lastWarning) < 10_000) return
      lastWarning = now
      app.log.warn({ err }, 'rate-limit store (Redis) unreachable: requests are served uncounted')
    })
    app.addHook('onClose', async () => {
      await redis.quit().catch(() => redis.disconnect())
    })
  }

  const quotaOf = async (request: FastifyRequest): Promise<number> =>
    request.caller ? deps.quotaFor(request.caller.orgId) : deps.unauthenticatedQuota

  await app.register(rateLimit, {
    global: true,
    hook: 'onRequest',
    timeWindow: RATE_LIMIT_WINDOW_MS,
    skipOnError: true,
    ...(redis ? { redis, nameSpace: 'walletd-rl:' } : { store: clockStore(deps.clock, windows) }),
    keyGenerator: (request) => (request.caller ? `org:${request.caller.orgId}` : `ip:${request.ip}`),
    max: async (request) => Math.max(1, await quotaOf(request)),
    // Operational routes and unlimited plans are not counted at all.
    allowList: async (request) => !request.routeRule || (await quotaOf(request)) === 0,
    errorResponseBuilder: (request, context) =>
      new AppError(
        'rate_limited',
        `Rate limit of ${context.max} requests per minute exceeded; retry in ${context.after}.`,
        {
          details: {
            limit: context.max,
            retryAfterSeconds: Math.ceil(context.ttl / 1000),
            ...(request.caller ? { orgId: request.caller.orgId } : {}),
          },
        },
      ),
  })

  // The plugin sends seconds until the reset; Dfns documents the reset as a unix time in seconds.
  app.addHook('onSend', async (_request, reply, payload) => {
    const reset = reply.getHeader('x-ratelimit-reset')
    if (reset !== undefined) {
      reply.header('x-ratelimit-reset', Math.ceil(deps.clock.now().getTime() / 1000) + Number(reset))
    }
    return payload
  })
  return { clearCounters: () => windows.clear() }
}
