import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Clock } from '../../clock.ts'
import { redactHeaders, redactJson, redactUrl } from './redact.ts'

/** One Dfns API request and its response, secrets redacted. */
export interface JournalEntry {
  /** Increasing per node: the order requests were answered. */
  readonly seq: number
  readonly requestId: string
  /** When the request arrived, on walletd's clock. */
  readonly date: string
  readonly method: string
  /** The path and query as sent (secret query parameters redacted). */
  readonly path: string
  /** The route pattern that served it (`/wallets/:walletId`). */
  readonly route: string | undefined
  readonly orgId: string | undefined
  readonly userId: string | undefined
  readonly status: number
  /** Real time spent answering, in milliseconds. */
  readonly durationMs: number
  readonly request: { readonly headers: Record<string, string>; readonly body: unknown }
  readonly response: { readonly headers: Record<string, string>; readonly body: unknown }
}

export interface JournalQuery {
  route?: string | undefined
  method?: string | undefined
  status?: number | undefined
  orgId?: string | undefined
  since?: string | undefined
  until?: string | undefined
  limit?: number | undefined
}

/** Bodies larger than this are left out of the journal (their size is kept). */
export const JOURNAL_BODY_LIMIT = 16 * 1024

/**
 * A body as the journal keeps it: null when there is none, only its size when it is over the
 * limit, else a redacted copy. `sentBytes`, when known, is its size as it crossed the wire, which
 * spares serializing it again to measure it.
 */
function keptBody(value: unknown, sentBytes?: number): unknown {
  if (value === undefined || value === null) return null
  const size = sentBytes ?? Buffer.byteLength(JSON.stringify(value) ?? '')
  return size > JOURNAL_BODY_LIMIT ? overLimit(size) : redactJson(value)
}

function overLimit(size: number): { omitted: string } {
  return { omitted: `${size} bytes, over the journal's body limit` }
}

/** A response payload as kept: parsed only when it is small enough to be kept. */
function keptPayload(payload: unknown): unknown {
  if (typeof payload !== 'string' && !Buffer.isBuffer(payload))
    return payload === undefined ? null : '[stream]'
  const size = Buffer.byteLength(payload)
  if (size === 0) return null
  if (size > JOURNAL_BODY_LIMIT) return overLimit(size)
  let parsed: unknown
  try {
    parsed = JSON.parse(payload.toString())
  } catch {
    return { omitted: `${size} bytes, not JSON` }
  }
  return keptBody(parsed, size)
}

const segmentsOf = (path: string) => path.split('/').filter((s) => s !== '')

/** A journal route filter: the route pattern itself, or a path where `*` and `:name` match one segment. */
function routeMatches(filter: string, entry: JournalEntry): boolean {
  if (filter === entry.route) return true
  const wanted = segmentsOf(filter)
  const actual = segmentsOf(entry.path.split('?')[0] ?? '')
  return (
    wanted.length === actual.length &&
    wanted.every((s, i) => s === '*' || s.startsWith(':') || s === actual[i])
  )
}

const timing = Symbol('journal timing')
type Timed = FastifyRequest & { [timing]?: { start: number; date: string; payload?: unknown } }

/**
 * The emulator's journal: the last `size` Dfns API requests of this node with their responses, in
 * memory (a ring: the oldest is dropped), secrets redacted before anything is kept.
 */
export class Journal {
  /** A ring: `#next` is where the next entry goes; once full, the oldest entry is there. */
  readonly #entries: JournalEntry[] = []
  #next = 0
  readonly #size: number
  readonly #clock: Clock
  #seq = 0

  constructor(clock: Clock, size: number) {
    this.#clock = clock
    this.#size = size
  }

  /** Hooks on the Dfns API context: the time a request arrived, its response body, then the entry. */
  install(api: FastifyInstance): void {
    if (this.#size === 0) return
    // Callback hooks: an async one costs each API request a promise and a microtask per hook.
    api.addHook('onRequest', (request, _reply, done) => {
      ;(request as Timed)[timing] = { start: performance.now(), date: this.#clock.now().toISOString() }
      done()
    })
    api.addHook('onSend', (request, _reply, payload, done) => {
      const t = (request as Timed)[timing]
      if (t) t.payload = payload
      done(null, payload)
    })
    api.addHook('onResponse', (request, reply, done) => {
      this.record(request as Timed, reply)
      done()
    })
  }

  private record(request: Timed, reply: FastifyReply): void {
    const t = request[timing]
    const entry: JournalEntry = {
      seq: ++this.#seq,
      requestId: request.id,
      date: t?.date ?? this.#clock.now().toISOString(),
      method: request.method,
      path: redactUrl(request.url),
      route: request.routeOptions.url,
      orgId: request.caller?.orgId,
      userId: request.caller?.userId,
      status: reply.statusCode,
      durationMs: t ? Math.round((performance.now() - t.start) * 1000) / 1000 : 0,
      request: {
        headers: redactHeaders(request.headers),
        body:
          request.body !== undefined
            ? keptBody(
                request.body,
                request.rawBody === undefined ? undefined : Buffer.byteLength(request.rawBody),
              )
            : keptBody(request.rawBody ? { omitted: 'not parsed' } : undefined),
      },
      response: {
        headers: redactHeaders(reply.getHeaders() as Record<string, unknown>),
        body: keptPayload(t?.payload),
      },
    }
    this.#entries[this.#next] = entry
    this.#next = (this.#next + 1) % this.#size
  }

  /** Matching entries, newest first. */
  list(query: JournalQuery = {}): JournalEntry[] {
    const limit = query.limit ?? 100
    const method = query.method?.toUpperCase()
    const out: JournalEntry[] = []
    const count = this.#entries.length
    // Newest first: from the slot before `#next`, backwards round the ring.
    for (let back = 1; back <= count && out.length < limit; back++) {
      const e = this.#entries[(this.#next - back + count) % count] as JournalEntry
      if (query.status !== undefined && e.status !== query.status) continue
      if (method && e.method !== method) continue
      if (query.orgId && e.orgId !== query.orgId) continue
      if (query.since && e.date < query.since) continue
      if (query.until && e.date >= query.until) continue
      if (query.route && !routeMatches(query.route, e)) continue
      out.push(e)
    }
    return out
  }

  clear(): void {
    this.#entries.length = 0
    this.#next = 0
  }

  get size(): number {
    return this.#size
  }
}
