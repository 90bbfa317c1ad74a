import { loadAverage, runBenchScript } from '../lib/processes.ts'
import type { BenchCase } from '../lib/types.ts'

interface Variant {
  requestsPerSecond: number
  latencyP50Ms: number
  latencyP99Ms: number
}
/** What bench/permissions.ts prints. */
interface PermissionsResult {
  dialect: string
  rateLimitStore: string
  route: string
  connections: number
  results: Record<string, Variant>
  inProcessMicrosecondsPerRequest: Record<string, number>
}

const NEITHER = 'authenticated'
const VARIANTS = [
  ['authenticated+guard', 'permission guard'],
  ['authenticated+rateLimit', 'rate limit'],
  ['authenticated+guard+rateLimit', 'permission guard + rate limit'],
  ['walletd (buildApp)', 'full walletd app (buildApp)'],
] as const

/** Issue 4: what the permission guard and the per-org rate limit cost per authenticated read. */
const permissions: BenchCase = {
  name: 'permissions',
  title: 'Permission checks and rate limiting: authenticated reads with and without them',
  async run({ durationSeconds, rounds, log }) {
    const r = await runBenchScript<PermissionsResult>('bench/permissions.ts', {
      env: { BENCH_DURATION: String(durationSeconds), BENCH_ROUNDS: String(rounds) },
      log,
    })
    const rps = (name: string) => r.results[name]!.requestsPerSecond
    const us = (name: string) => r.inProcessMicrosecondsPerRequest[name]!
    return {
      rows: [
        ...VARIANTS.map(([name, label]) => ({
          metric: `throughput, authenticated + ${label} (baseline: authentication only)`,
          unit: 'req/s',
          value: rps(name),
          baseline: rps(NEITHER),
        })),
        ...VARIANTS.map(([name, label]) => ({
          metric: `server time per request in process, authenticated + ${label} (baseline: authentication only)`,
          unit: 'µs',
          value: us(name),
          baseline: us(NEITHER),
        })),
      ],
      notes: [
        `Route: ${r.route}, on ${r.dialect} (one temp database, one org); rate-limit store: ${r.rateLimitStore}, with the plan quota at 10,000,000/min so nothing is refused. Issue 4 sets no numeric target: the cost is the difference to the baseline.`,
        'Four fastify servers composed in one process from walletd’s own pieces (real token authentication, the real @fastify/rate-limit set-up, the real permission guard) differ only in which pieces are installed; the full app (buildApp) serves the same route for reference.',
        `Throughput: autocannon from a separate process, ${r.connections} connections, ${rounds} rounds of ${durationSeconds} s alternating between the servers after a 2 s warm-up each; medians. Server time: ${rounds} rounds of 2,000 sequential \`app.inject\` per server after a warm-up round (no network or load generator in the way); medians. Both move with other load on the 2 cores: compare rows of the same run only.`,
        `Run by \`bench/permissions.ts\` as a child process (standalone: \`node --import tsx bench/permissions.ts\`). Load average after the case: ${loadAverage()}.`,
      ],
    }
  },
}

export default permissions
