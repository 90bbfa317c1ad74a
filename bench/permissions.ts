// The per-request cost of the permission guard and the per-org rate limit, in the same run:
//   node --import tsx bench/permissions.ts          (SQLite in a temp file)
//   DATABASE_URL=postgres://… node --import tsx bench/permissions.ts   (a fresh schema there)
//   REDIS_URL=redis://… also measures the rate limit on the Redis store.
// Prints one JSON object on stdout; progress on stderr.
//
// Four servers are composed from walletd's own pieces on one database and one org — real token
// authentication, the real @fastify/rate-limit set-up with the plan quota (10,000,000/min, so
// nothing is refused), the real permission guard — serving the same authenticated read
// (GET /permissions, the permissions service's list). They differ only in which of the two
// pieces are installed, so the differences between them are the pieces' cost. The full walletd
// app (buildApp) is measured on the same route for reference. Each is loaded in turn by
// autocannon from a separate process; rounds alternate so machine drift hits all alike.
//
// The pieces' cost per request is also measured in process (sequential app.inject, no network),
// which is far less sensitive to other load on the machine than the HTTP throughput.
//
// Env: BENCH_DURATION (seconds per load, 5), BENCH_ROUNDS (3), BENCH_CONNECTIONS (50),
// BENCH_INJECTS (in-process requests per round, 2000).

import { randomBytes } from 'node:crypto'
import Fastify, { type FastifyInstance } from 'fastify'
import { buildApp } from '../src/app.ts'
import { systemClock } from '../src/clock.ts'
import { loadConfig } from '../src/config.ts'
import { SecretBox } from '../src/custody/secret-box.ts'
import { createAuthModule } from '../src/domains/auth/index.ts'
import { createPermissionRepository } from '../src/domains/permissions/repository.ts'
import { createPermissionsService, permissionOperationSource } from '../src/domains/permissions/service.ts'
import { createPlansModule } from '../src/domains/plans/index.ts'
import { installAuthentication } from '../src/http/authenticate.ts'
import { installPermissionGuard } from '../src/http/permission-guard.ts'
import { installRateLimit } from '../src/http/rate-limit.ts'
import { routeKey, routeTable } from '../src/http/route-table.ts'
import { commandMailer } from '../src/mail/index.ts'
import { openBenchDatabase } from './lib/database.ts'
import { type LoadResult, loadTest } from './lib/processes.ts'
import { median } from './lib/types.ts'

const DURATION = Number(process.env.BENCH_DURATION ?? 5)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50)
const QUOTA = 10_000_000
const log = (message: string) => process.stderr.write(`${message}\n`)

interface Variant {
  readonly name: string
  readonly url: string
  readonly app: FastifyInstance
  readonly close: () => Promise<void>
}

const INJECTS = Number(process.env.BENCH_INJECTS ?? 2000)

/** Server time per request without the network: `INJECTS` sequential in-process requests. */
async function microsecondsPerRequest(
  app: FastifyInstance,
  headers: Record<string, string>,
): Promise<number> {
  const started = process.hrtime.bigint()
  for (let i = 0; i < INJECTS; i++) {
    const response = await app.inject({ method: 'GET', url: '/permissions', headers })
    if (response.statusCode !== 200) throw new Error(`inject answered ${response.statusCode}`)
  }
  return Number(process.hrtime.bigint() - started) / 1000 / INJECTS
}

async function main(): Promise<void> {
  const { handle, cleanup, dialect } = await openBenchDatabase('permissions')
  const secrets = new SecretBox(randomBytes(32))
  const config = loadConfig(
    { dataDir: '/nonexistent-bench-data-dir', logLevel: 'error', redisUrl: process.env.REDIS_URL },
    {},
  )
  const { service: auth } = createAuthModule({
    db: handle.db,
    clock: systemClock,
    secrets,
    config,
    mailer: commandMailer(config, systemClock),
  })
  const org = await auth.bootstrapOrg()
  const plans = createPlansModule({ db: handle.db, clock: systemClock, defaultRateLimit: 0 }).service
  await plans.change(org.orgId, { rateLimitPerMinute: QUOTA })
  const repository = createPermissionRepository(handle.db)
  const permissions = createPermissionsService({
    repository,
    users: auth.context.repos.users,
    tokens: auth.context.repos.tokens,
    clock: systemClock,
  })
  for (let i = 0; i < 20; i++) {
    await repository.createPermission({
      orgId: org.orgId,
      name: `bench-${i}`,
      operations: ['Wallets:Read'],
      now: new Date(),
    })
  }

  const compose = async (name: string, pieces: { guard: boolean; limit: boolean }): Promise<Variant> => {
    const app: FastifyInstance = Fastify({ logger: false })
    app.decorateRequest('caller', undefined)
    app.decorateRequest('routeRule', undefined)
    app.addHook('onRequest', async (request) => {
      const url = request.routeOptions.url
      request.routeRule = url ? routeTable[routeKey(request.method, url)] : undefined
    })
    installAuthentication(app, auth.authenticate)
    if (pieces.limit) {
      await installRateLimit(app, {
        quotaFor: async (orgId) => (await plans.planOf(orgId)).rateLimitPerMinute,
        unauthenticatedQuota: 0,
        redisUrl: config.redisUrl,
        clock: systemClock,
      })
    }
    if (pieces.guard) installPermissionGuard(app, permissionOperationSource(repository))
    app.get('/permissions', async (request) => permissions.list(request.caller!.orgId, {}))
    await app.listen({ host: '127.0.0.1', port: 0 })
    const { port } = app.server.address() as { port: number }
    return { name, url: `http://127.0.0.1:${port}/permissions`, app, close: () => app.close() }
  }

  const full = await buildApp(config, { database: handle, clock: systemClock, secrets, logger: false })
  await full.listen({ host: '127.0.0.1', port: 0 })
  const fullPort = (full.server.address() as { port: number }).port

  const variants: Variant[] = [
    await compose('authenticated', { guard: false, limit: false }),
    await compose('authenticated+guard', { guard: true, limit: false }),
    await compose('authenticated+rateLimit', { guard: false, limit: true }),
    await compose('authenticated+guard+rateLimit', { guard: true, limit: true }),
    {
      name: 'walletd (buildApp)',
      url: `http://127.0.0.1:${fullPort}/permissions`,
      app: full,
      close: () => full.close(),
    },
  ]
  const headers = { authorization: `Bearer ${org.serviceAccount.accessToken}` }
  const results = new Map<string, LoadResult[]>(variants.map((v) => [v.name, []]))
  const inProcess = new Map<string, number[]>(variants.map((v) => [v.name, []]))
  try {
    for (let round = 0; round <= ROUNDS; round++) {
      for (const v of variants) {
        const us = await microsecondsPerRequest(v.app, headers)
        // Round 0 warms the JIT up and is not counted.
        if (round > 0) inProcess.get(v.name)!.push(us)
      }
    }
    log(`in-process: ${[...inProcess].map(([n, xs]) => `${n} ${median(xs).toFixed(0)} µs`).join(', ')}`)
    for (const v of variants) {
      const check = await fetch(v.url, { headers })
      if (check.status !== 200) throw new Error(`${v.name} answered ${check.status}: ${await check.text()}`)
      await loadTest(v.url, { connections: CONNECTIONS, durationSeconds: 2, headers })
    }
    for (let round = 1; round <= ROUNDS; round++) {
      for (const v of variants) {
        const r = await loadTest(v.url, { connections: CONNECTIONS, durationSeconds: DURATION, headers })
        if (r.non2xx || r.errors) throw new Error(`${v.name}: ${r.non2xx} non-2xx, ${r.errors} errors`)
        results.get(v.name)!.push(r)
        log(`round ${round}: ${v.name} ${r.requestsPerSecond.toFixed(0)} req/s, p99 ${r.latencyP99Ms} ms`)
      }
    }
  } finally {
    for (const v of variants) await v.close()
    await cleanup()
  }

  const summary = Object.fromEntries(
    [...results].map(([name, rs]) => [
      name,
      {
        requestsPerSecond: Math.round(median(rs.map((r) => r.requestsPerSecond))),
        latencyP50Ms: median(rs.map((r) => r.latencyP50Ms)),
        latencyP99Ms: median(rs.map((r) => r.latencyP99Ms)),
      },
    ]),
  )
  // Cost per request in µs of server time, measured in process (sequential app.inject, no network
  // or load generator in the way): the difference to the authenticated-only server.
  const us = (name: string) => median(inProcess.get(name)!)
  const costUs = (withPiece: string) => Math.round((us(withPiece) - us('authenticated')) * 10) / 10
  const rps = (name: string) => summary[name]!.requestsPerSecond
  process.stdout.write(
    `${JSON.stringify(
      {
        bench: 'permissions',
        dialect,
        rateLimitStore: config.redisUrl ? 'redis' : 'memory',
        route: 'GET /permissions (21 permissions, one page)',
        connections: CONNECTIONS,
        durationSeconds: DURATION,
        rounds: ROUNDS,
        results: summary,
        inProcessMicrosecondsPerRequest: Object.fromEntries(
          [...inProcess].map(([n, xs]) => [n, Math.round(median(xs) * 10) / 10]),
        ),
        costPerRequestMicroseconds: {
          permissionGuard: costUs('authenticated+guard'),
          rateLimit: costUs('authenticated+rateLimit'),
          both: costUs('authenticated+guard+rateLimit'),
        },
        throughputRatio: {
          guardAndRateLimitVsNeither:
            Math.round((rps('authenticated+guard+rateLimit') / rps('authenticated')) * 1000) / 1000,
        },
      },
      null,
      2,
    )}\n`,
  )
}

main().catch((err) => {
  log(err instanceof Error ? (err.stack ?? err.message) : String(err))
  process.exit(1)
})
