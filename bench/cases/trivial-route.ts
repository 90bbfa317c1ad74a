import path from 'node:path'
import { freePort, loadTest, repoRoot, spawnServer, startWalletd } from '../lib/processes.ts'
import { type BenchCase, median } from '../lib/types.ts'

/**
 * walletd's cheapest route (GET /healthz: every hook walletd installs — route rule lookup,
 * metrics, error handling — and nothing else) against bare fastify returning the same JSON.
 * Both are separate processes, loaded in turn by autocannon from a third, and the rounds
 * alternate so drift on the machine hits both alike.
 */
const trivialRoute: BenchCase = {
  name: 'trivial-route',
  title: 'Trivial route: walletd GET /healthz vs bare fastify',
  async run({ durationSeconds, rounds, log }) {
    const walletd = await startWalletd()
    const port = await freePort()
    const bare = await spawnServer(
      [path.join(repoRoot, 'bench/baselines/bare-fastify.mjs'), String(port)],
      port,
    )
    const connections = 50
    try {
      // Warm both up so the JIT has compiled the hot path before anything is counted.
      await loadTest(`${walletd.baseUrl}/healthz`, { connections, durationSeconds: 2 })
      await loadTest(`${bare.baseUrl}/healthz`, { connections, durationSeconds: 2 })
      const w: number[] = []
      const b: number[] = []
      const wP99: number[] = []
      const bP99: number[] = []
      const wCpu: number[] = []
      const bCpu: number[] = []
      // Server CPU time per request: steadier than throughput on a machine shared with other work.
      const cpuPerRequest = async (server: typeof bare, run: () => ReturnType<typeof loadTest>) => {
        const before = server.cpuSeconds() ?? 0
        const result = await run()
        return { result, micros: (((server.cpuSeconds() ?? 0) - before) * 1e6) / result.totalRequests }
      }
      for (let round = 1; round <= rounds; round++) {
        const baseRun = await cpuPerRequest(bare, () =>
          loadTest(`${bare.baseUrl}/healthz`, { connections, durationSeconds }),
        )
        const ourRun = await cpuPerRequest(walletd, () =>
          loadTest(`${walletd.baseUrl}/healthz`, { connections, durationSeconds }),
        )
        const base = baseRun.result
        const ours = ourRun.result
        wCpu.push(ourRun.micros)
        bCpu.push(baseRun.micros)
        if (ours.non2xx || ours.errors || base.non2xx || base.errors) {
          throw new Error(
            `failed requests: walletd ${ours.non2xx}+${ours.errors}, bare ${base.non2xx}+${base.errors}`,
          )
        }
        log(
          `round ${round}: walletd ${ours.requestsPerSecond.toFixed(0)} req/s, bare ${base.requestsPerSecond.toFixed(0)} req/s`,
        )
        w.push(ours.requestsPerSecond)
        b.push(base.requestsPerSecond)
        wP99.push(ours.latencyP99Ms)
        bP99.push(base.latencyP99Ms)
      }
      const ratio = median(w) / median(b)
      return {
        rows: [
          {
            metric: 'throughput',
            unit: 'req/s',
            value: median(w),
            baseline: median(b),
            target: '≥ 90 % of bare fastify',
            met: ratio >= 0.9,
          },
          { metric: 'server CPU per request', unit: 'µs', value: median(wCpu), baseline: median(bCpu) },
          { metric: 'latency p99', unit: 'ms', value: median(wP99), baseline: median(bP99) },
        ],
        notes: [
          `autocannon, ${connections} connections, ${rounds} alternating rounds of ${durationSeconds} s each after a 2 s warm-up; medians.`,
          'walletd runs as `walletd start` (SQLite in a fresh data dir, log level warn); the baseline is `bench/baselines/bare-fastify.mjs`.',
        ],
      }
    } finally {
      await walletd.stop()
      await bare.stop()
    }
  },
}

export default trivialRoute
