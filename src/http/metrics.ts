import type { FastifyInstance } from 'fastify'
import { Counter, collectDefaultMetrics, Registry } from 'prom-client'

const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]

interface Series {
  readonly method: string
  readonly route: string
  readonly status: number
  count: number
  sum: number
  /** Per-bucket (not yet cumulative) counts; the last slot is +Inf. */
  readonly buckets: number[]
}

/**
 * Prometheus metrics at `/metrics`: request counts and latencies per route pattern, plus
 * prom-client's process metrics. Other modules may add their own metrics to the returned registry.
 *
 * The per-request work is a map lookup and a few additions: prom-client's labelled metrics hash
 * their label set on every call, which alone cost several percent of the throughput of a trivial
 * route (BENCHMARKS.md). The text is rendered only when scraped.
 */
export function installMetrics(app: FastifyInstance): Registry {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })
  const series = new Map<string, Series>()

  app.addHook('onResponse', (request, reply, done) => {
    // Unmatched URLs share one label so a scan of random paths cannot grow the label set.
    const route = request.routeOptions.url ?? 'unmatched'
    const status = reply.statusCode
    const key = `${request.method} ${status} ${route}`
    let s = series.get(key)
    if (!s) {
      s = {
        method: request.method,
        route,
        status,
        count: 0,
        sum: 0,
        buckets: new Array(DURATION_BUCKETS.length + 1).fill(0),
      }
      series.set(key, s)
    }
    const seconds = reply.elapsedTime / 1000
    s.count++
    s.sum += seconds
    let i = 0
    while (i < DURATION_BUCKETS.length && seconds > DURATION_BUCKETS[i]!) i++
    s.buckets[i]!++
    done()
  })

  app.get('/metrics', async (_request, reply) => {
    reply.type(registry.contentType)
    return `${await registry.metrics()}\n${renderHttpMetrics([...series.values()])}`
  })
  return registry
}

function label(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')
}

function renderHttpMetrics(all: Series[]): string {
  const lines = [
    '# HELP walletd_http_requests_total HTTP requests answered, by method, route pattern and status.',
    '# TYPE walletd_http_requests_total counter',
  ]
  for (const s of all) {
    lines.push(
      `walletd_http_requests_total{method="${label(s.method)}",route="${label(s.route)}",status="${s.status}"} ${s.count}`,
    )
  }
  // The latency histogram is per method and route; statuses are summed.
  const byRoute = new Map<
    string,
    { method: string; route: string; count: number; sum: number; buckets: number[] }
  >()
  for (const s of all) {
    const key = `${s.method} ${s.route}`
    let h = byRoute.get(key)
    if (!h) {
      h = { method: s.method, route: s.route, count: 0, sum: 0, buckets: new Array(s.buckets.length).fill(0) }
      byRoute.set(key, h)
    }
    h.count += s.count
    h.sum += s.sum
    for (let i = 0; i < s.buckets.length; i++) h.buckets[i]! += s.buckets[i]!
  }
  lines.push(
    '# HELP walletd_http_request_duration_seconds Time to answer HTTP requests, by method and route pattern.',
    '# TYPE walletd_http_request_duration_seconds histogram',
  )
  for (const h of byRoute.values()) {
    const labels = `method="${label(h.method)}",route="${label(h.route)}"`
    let cumulative = 0
    DURATION_BUCKETS.forEach((le, i) => {
      cumulative += h.buckets[i]!
      lines.push(`walletd_http_request_duration_seconds_bucket{le="${le}",${labels}} ${cumulative}`)
    })
    lines.push(`walletd_http_request_duration_seconds_bucket{le="+Inf",${labels}} ${h.count}`)
    lines.push(`walletd_http_request_duration_seconds_sum{${labels}} ${h.sum}`)
    lines.push(`walletd_http_request_duration_seconds_count{${labels}} ${h.count}`)
  }
  return `${lines.join('\n')}\n`
}

/** `walletd_sql_statements_total`: the statements this node sent to its database, read when scraped. */
export function countSqlStatements(registry: Registry, statements: () => number): void {
  new Counter({
    name: 'walletd_sql_statements_total',
    help: 'SQL statements sent to the database by this node (transaction control included).',
    registers: [registry],
    collect() {
      this.reset()
      this.inc(statements())
    },
  })
}
