import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { routeTable } from '../../src/http/route-table.ts'
import { freePort, type LoadResult, loadTest, repoRoot, spawnServer, startWalletd } from '../lib/processes.ts'
import { type BenchCase, median } from '../lib/types.ts'

/**
 * walletd's cheapest route (GET /healthz: every hook walletd installs — route rule lookup,
 * metrics, error handling — and nothing else) against bare fastify returning the same JSON. A
 * second baseline is bare fastify carrying walletd's route set and as many no-op pipeline hooks
 * (`bench/baselines/sized-fastify.mjs`): it shows how much of the gap is the size of the app rather
 * than anything walletd runs on the route.
 * A second walletd is started with `--seed`: applying a seed once must leave nothing on the request
 * path (it once left an AsyncLocalStorage on, whose async hook every promise then paid for).
 * All are separate processes, loaded in turn by autocannon from another, and the rounds alternate
 * so drift on the machine hits them alike.
 */
const trivialRoute: BenchCase = {
  name: 'trivial-route',
  title: 'Trivial route: walletd GET /healthz vs bare fastify',
  async run({ durationSeconds, rounds, log }) {
    const seedDir = fs.mkdtempSync(path.join(os.tmpdir(), 'walletd-bench-seed-'))
    const seedFile = path.join(seedDir, 'seed.json')
    fs.writeFileSync(seedFile, JSON.stringify({ orgs: [{ key: 'bench', name: 'Bench' }] }))
    const routesFile = path.join(seedDir, 'routes.json')
    fs.writeFileSync(routesFile, JSON.stringify(Object.keys(routeTable)))
    const walletd = await startWalletd()
    const seeded = await startWalletd({ extraArgs: ['--seed', seedFile] })
    const baseline = async (file: string, ...args: string[]) => {
      const port = await freePort()
      return spawnServer([path.join(repoRoot, 'bench/baselines', file), String(port), ...args], port)
    }
    const bare = await baseline('bare-fastify.mjs')
    const sized = await baseline('sized-fastify.mjs', routesFile)
    const connections = 50
    const servers = { bare, sized, walletd, seeded }
    type Name = keyof typeof servers
    const names = Object.keys(servers) as Name[]
    try {
      // Warm them up so the JIT has compiled the hot path before anything is counted.
      for (const name of names) {
        await loadTest(`${servers[name].baseUrl}/healthz`, { connections, durationSeconds: 2 })
      }
      const runs = Object.fromEntries(names.map((n) => [n, [] as { result: LoadResult; micros: number }[]]))
      for (let round = 1; round <= rounds; round++) {
        for (const name of names) {
          const server = servers[name]
          // Server CPU time per request: steadier than throughput on a machine shared with other work.
          const before = server.cpuSeconds() ?? 0
          const result = await loadTest(`${server.baseUrl}/healthz`, { connections, durationSeconds })
          const micros = (((server.cpuSeconds() ?? 0) - before) * 1e6) / result.totalRequests
          if (result.non2xx || result.errors) {
            throw new Error(`failed requests on ${name}: ${result.non2xx} non-2xx, ${result.errors} errors`)
          }
          runs[name]!.push({ result, micros })
        }
        log(
          `round ${round}: ${names.map((n) => `${n} ${runs[n]!.at(-1)!.result.requestsPerSecond.toFixed(0)} req/s`).join(', ')}`,
        )
      }
      const rate = (name: Name) => median(runs[name]!.map((r) => r.result.requestsPerSecond))
      const cpu = (name: Name) => median(runs[name]!.map((r) => r.micros))
      const p99 = (name: Name) => median(runs[name]!.map((r) => r.result.latencyP99Ms))
      return {
        rows: [
          {
            metric: 'throughput',
            unit: 'req/s',
            value: rate('walletd'),
            baseline: rate('bare'),
            target: '≥ 90 % of bare fastify',
            met: rate('walletd') / rate('bare') >= 0.9,
          },
          { metric: 'server CPU per request', unit: 'µs', value: cpu('walletd'), baseline: cpu('bare') },
          { metric: 'latency p99', unit: 'ms', value: p99('walletd'), baseline: p99('bare') },
          {
            metric: `throughput, bare fastify with walletd's ${Object.keys(routeTable).length} API routes and pipeline hooks`,
            unit: 'req/s',
            value: rate('sized'),
            baseline: rate('bare'),
          },
          {
            metric: "server CPU per request, bare fastify with walletd's API routes and pipeline hooks",
            unit: 'µs',
            value: cpu('sized'),
            baseline: cpu('bare'),
          },
          {
            metric: 'throughput, walletd started with --seed',
            unit: 'req/s',
            value: rate('seeded'),
            baseline: rate('bare'),
          },
          {
            metric: 'server CPU per request, walletd started with --seed',
            unit: 'µs',
            value: cpu('seeded'),
            baseline: cpu('bare'),
          },
        ],
        notes: [
          `autocannon, ${connections} connections, ${rounds} alternating rounds of ${durationSeconds} s each after a 2 s warm-up; medians.`,
          'walletd runs as `walletd start` (SQLite in a fresh data dir, log level warn); the seeded one also with `--seed` (one org); the baseline is `bench/baselines/bare-fastify.mjs`.',
        ],
      }
    } finally {
      await Promise.all([walletd.stop(), seeded.stop(), bare.stop(), sized.stop()])
      fs.rmSync(seedDir, { recursive: true, force: true })
    }
  },
}

export default trivialRoute
