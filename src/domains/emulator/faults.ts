import { randomInt } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Clock } from '../../clock.ts'
import { AppError, type ErrorCode, errorCatalog } from '../../errors.ts'

/** What an operator asks for: which requests, what happens to them, how often. */
export interface FaultSpec {
  /** A route pattern (`/wallets/:walletId`) or path (`/wallets/wa-1`); `*` is one segment; `*` alone is every route. */
  readonly route: string
  readonly method?: string | undefined
  readonly orgId?: string | undefined
  /** Answer this status in the error contract (429, 500, 503 or a 4xx of the catalog). */
  readonly status?: number | undefined
  /** With 429: the Retry-After seconds (default 1). */
  readonly retryAfterSeconds?: number | undefined
  /** Hold the request this long first (then answer `status`, the 202, or serve it normally). */
  readonly delayMs?: number | undefined
  /** Answer 202 as a policy awaiting approval would (the request is not carried out). */
  readonly policyPending?: boolean | undefined
  /** Fire at most this many times (then the fault stays listed, spent). */
  readonly times?: number | undefined
  /** Fire on this share of the matching requests, drawn from a PRNG seeded by `seed`. */
  readonly probability?: number | undefined
  readonly seed?: number | undefined
}

export interface FaultView extends FaultSpec {
  readonly id: string
  readonly seed?: number | undefined
  /** Matching requests seen, and how many of them the fault fired on. */
  readonly matched: number
  readonly fired: number
  readonly dateCreated: string
}

/** The statuses a fault may answer: every 4xx of the catalog, 500 and 503 (202 is `policyPending`). */
export const FAULT_STATUSES: ReadonlyMap<number, ErrorCode> = (() => {
  const preferred: Partial<Record<number, ErrorCode>> = {
    400: 'bad_request',
    401: 'unauthorized',
    403: 'forbidden',
    404: 'not_found',
    500: 'internal',
    503: 'service_unavailable',
  }
  const map = new Map<number, ErrorCode>()
  for (const [code, { status }] of Object.entries(errorCatalog) as [ErrorCode, { status: number }][]) {
    if ((status >= 400 && status < 500) || status === 500 || status === 503) {
      if (!map.has(status)) map.set(status, preferred[status] ?? code)
    }
  }
  return map
})()

/** mulberry32: a small seeded PRNG; the same seed gives the same draws on every run and platform. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

interface Fault {
  readonly id: string
  readonly spec: FaultSpec
  readonly seed: number | undefined
  readonly random: (() => number) | undefined
  readonly segments: readonly string[] | undefined
  readonly dateCreated: string
  matched: number
  fired: number
}

const segmentsOf = (path: string) => path.split('/').filter((s) => s !== '')
const isWildcard = (segment: string) => segment === '*' || segment.startsWith(':')

/** `pattern` (from the fault) against the route's own pattern or the request's path. */
function routeMatches(fault: Fault, routeUrl: string | undefined, path: string): boolean {
  if (!fault.segments) return true
  if (routeUrl === fault.spec.route) return true
  const actual = segmentsOf(path)
  if (actual.length !== fault.segments.length) return false
  return fault.segments.every((s, i) => isWildcard(s) || s === actual[i])
}

/**
 * The emulator's faults: kept in this node's memory (several nodes each have their own; a fault is
 * added on the node the test talks to). Faults are tried in the order they were added; the first
 * that fires on a request decides it.
 */
export class FaultBook {
  readonly #faults: Fault[] = []
  #counter = 0
  readonly #clock: Clock

  constructor(clock: Clock) {
    this.#clock = clock
  }

  add(spec: FaultSpec): FaultView {
    const seed = spec.probability === undefined ? undefined : (spec.seed ?? randomInt(0, 2 ** 32 - 1))
    const fault: Fault = {
      id: `fault-${++this.#counter}`,
      spec: { ...spec, ...(spec.method ? { method: spec.method.toUpperCase() } : {}) },
      seed,
      random: seed === undefined ? undefined : seededRandom(seed),
      segments: spec.route === '*' ? undefined : segmentsOf(spec.route),
      dateCreated: this.#clock.now().toISOString(),
      matched: 0,
      fired: 0,
    }
    this.#faults.push(fault)
    return this.view(fault)
  }

  list(): FaultView[] {
    return this.#faults.map((f) => this.view(f))
  }

  remove(id: string): boolean {
    const at = this.#faults.findIndex((f) => f.id === id)
    if (at < 0) return false
    this.#faults.splice(at, 1)
    return true
  }

  clear(): void {
    this.#faults.length = 0
  }

  /** The fault that fires on this request, if any (counting the match and the firing). */
  take(request: { method: string; routeUrl: string | undefined; path: string; orgId: string | undefined }) {
    for (const fault of this.#faults) {
      const { spec } = fault
      if (spec.times !== undefined && fault.fired >= spec.times) continue
      if (spec.method && spec.method !== request.method) continue
      if (spec.orgId && spec.orgId !== request.orgId) continue
      if (!routeMatches(fault, request.routeUrl, request.path)) continue
      fault.matched++
      if (fault.random && spec.probability !== undefined && fault.random() >= spec.probability) continue
      fault.fired++
      return fault
    }
    return undefined
  }

  /**
   * The onRequest hook of the Dfns API context, after authentication (so `orgId` faults know the
   * caller's org). A fired fault waits `delayMs`, then answers its status in the error contract, or
   * 202 as a pending policy approval, or lets the request through.
   */
  hook() {
    return async (request: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
      if (this.#faults.length === 0) return undefined
      const fault = this.take({
        method: request.method === 'HEAD' ? 'GET' : request.method,
        routeUrl: request.routeOptions.url,
        path: request.url.split('?')[0] ?? '',
        orgId: request.caller?.orgId,
      })
      if (!fault) return undefined
      const { spec } = fault
      if (spec.delayMs) await sleep(spec.delayMs)
      if (spec.policyPending) {
        return reply.code(202).send({
          status: 'Pending',
          dateCreated: this.#clock.now().toISOString(),
          ...(request.caller
            ? { requester: { userId: request.caller.userId, tokenId: request.caller.tokenId } }
            : {}),
          // Nothing was carried out and no approval exists: the 202 is the emulator's.
          emulatorFault: fault.id,
        })
      }
      if (spec.status !== undefined) {
        const code = FAULT_STATUSES.get(spec.status) ?? 'internal'
        const retryAfter = spec.retryAfterSeconds ?? 1
        throw new AppError(code, `${errorCatalog[code].message} (emulator fault ${fault.id})`, {
          details: {
            emulatorFault: fault.id,
            ...(spec.status === 429 ? { retryAfterSeconds: retryAfter } : {}),
          },
          ...(spec.status === 429 ? { headers: { 'retry-after': String(retryAfter) } } : {}),
        })
      }
      return undefined
    }
  }

  private view(f: Fault): FaultView {
    return {
      id: f.id,
      ...f.spec,
      ...(f.seed === undefined ? {} : { seed: f.seed }),
      matched: f.matched,
      fired: f.fired,
      dateCreated: f.dateCreated,
    }
  }
}
