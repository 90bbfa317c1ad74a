// Webhook delivery, commit to receipt (issue 12): events written with `emitEvent` in committed
// transactions (a `wallet.blockchainevent.detected` the size the block follower writes), delivered
// by walletd's job runner to a receiver in another process; against a bare HTTP POST loop of the
// same bodies to the same receiver, with as many in flight as the runner runs jobs at once.
//
// Each round sends a burst of N events; throughput = N / (last receipt − first commit), latency =
// receipt − commit per event (receipt timed by the receiver, on the same machine's clock). Rounds
// alternate walletd and the baseline.
//
// `node --import tsx bench/webhooks.ts` (SQLite in a temp file) or with DATABASE_URL=postgres://….
// Prints one JSON object on stdout; progress on stderr. Env: BENCH_EVENTS (1000), BENCH_ROUNDS (3).
import { type ChildProcess, fork } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { DfnsApiClient } from '@dfns/sdk'
import { AsymmetricKeySigner } from '@dfns/sdk-keysigner'
import { buildApp } from '../src/app.ts'
import { systemClock } from '../src/clock.ts'
import { loadConfig } from '../src/config.ts'
import { SecretBox } from '../src/custody/secret-box.ts'
import { openBenchDatabase } from './lib/database.ts'
import { median, percentile } from './lib/types.ts'

const EVENTS = Number(process.env.BENCH_EVENTS ?? 1000)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)
/** The job runner's default concurrency: deliveries in flight at once on one node. */
const IN_FLIGHT = 8
const now = () => performance.timeOrigin + performance.now()
const log = (m: string) => process.stderr.write(`${m}\n`)

/** The receiver: answers 200 at once and reports `[seq, receivedAt]` pairs to the parent. */
function runSink(): void {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const at = now()
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { data?: { bench?: number } }
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok')
      process.send?.([body.data?.bench ?? -1, at])
    })
  })
  server.listen(0, '127.0.0.1', () => process.send?.({ port: (server.address() as AddressInfo).port }))
  process.on('disconnect', () => process.exit(0))
}

/** A history item as the block follower stores it: the payload size of a real event. */
const sampleEvent = {
  walletId: 'wa-00000-00000-0000000000000000',
  direction: 'In',
  network: 'EthereumSepolia',
  blockNumber: 1234567,
  txHash: `0x${'ab'.repeat(32)}`,
  index: '3',
  timestamp: '2026-01-01T00:00:00.000Z',
  metadata: {
    asset: { symbol: 'TST', decimals: 18, verified: false },
    fee: { symbol: 'ETH', decimals: 18, verified: true },
  },
  kind: 'Erc20Transfer',
  contract: `0x${'12'.repeat(20)}`,
  from: `0x${'34'.repeat(20)}`,
  to: `0x${'56'.repeat(20)}`,
  value: '1000000000000000000',
  fee: '21000000000000',
  symbol: 'TST',
  decimals: 18,
  verified: false,
}

interface Result {
  perSecond: number
  p50Ms: number
  p99Ms: number
}

function summarize(sent: Map<number, number>, received: Map<number, number>): Result {
  const latencies = [...sent].map(([seq, t]) => (received.get(seq) as number) - t).sort((a, b) => a - b)
  const first = Math.min(...sent.values())
  const last = Math.max(...received.values())
  const round = (ms: number) => Math.round(ms * 100) / 100
  return {
    perSecond: Math.round((sent.size / (last - first)) * 1000),
    p50Ms: round(percentile(latencies, 0.5)),
    p99Ms: round(percentile(latencies, 0.99)),
  }
}

async function inParallel(count: number, work: (i: number) => Promise<void>): Promise<void> {
  let next = 0
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < count) await work(next++)
    }),
  )
}

async function main() {
  const sink: ChildProcess = fork(fileURLToPath(import.meta.url), ['sink'], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  })
  const received = new Map<number, number>()
  let waiting: { count: number; resolve: () => void } | undefined
  const port = await new Promise<number>((resolve) =>
    sink.on('message', (m: unknown) => {
      if (Array.isArray(m)) {
        received.set(m[0] as number, m[1] as number)
        if (waiting && received.size >= waiting.count) waiting.resolve()
      } else resolve((m as { port: number }).port)
    }),
  )
  const allReceived = (count: number) =>
    new Promise<void>((resolve) => {
      if (received.size >= count) resolve()
      else waiting = { count, resolve }
    })
  const sinkUrl = `http://127.0.0.1:${port}/hook`

  const { handle, cleanup, dialect } = await openBenchDatabase('webhooks')
  const apiPort = 20_000 + Math.floor(Math.random() * 20_000)
  const config = loadConfig(
    {
      dataDir: '/nonexistent-bench-data-dir',
      host: '127.0.0.1',
      port: apiPort,
      publicUrl: `http://127.0.0.1:${apiPort}`,
    },
    {},
  )
  const app = await buildApp(config, {
    database: handle,
    clock: systemClock,
    secrets: new SecretBox(randomBytes(32)),
    logger: false,
  })
  try {
    await app.listen({ host: '127.0.0.1', port: apiPort })
    const boot = await app.walletd.auth.bootstrapOrg()
    const client = new DfnsApiClient({
      baseUrl: `http://127.0.0.1:${apiPort}`,
      orgId: boot.orgId,
      authToken: boot.serviceAccount.accessToken,
      signer: new AsymmetricKeySigner({
        credId: boot.serviceAccount.credId,
        privateKey: boot.serviceAccount.privateKey,
      }),
    })
    await client.webhooks.createWebhook({
      body: { url: sinkUrl, events: ['wallet.blockchainevent.detected'] },
    })
    const body = (seq: number) =>
      JSON.stringify({
        id: `whe-bench-${seq}`,
        kind: 'wallet.blockchainevent.detected',
        date: new Date().toISOString(),
        data: { blockchainEvent: sampleEvent, bench: seq },
        timestampSent: Math.floor(Date.now() / 1000),
        deliveryAttempt: 1,
      })
    const agent = new http.Agent({ keepAlive: true, maxSockets: IN_FLIGHT })
    const post = (payload: string) =>
      new Promise<void>((resolve, reject) => {
        const req = http.request(
          sinkUrl,
          { method: 'POST', agent, headers: { 'content-type': 'application/json' } },
          (res) => {
            res
              .resume()
              .on('end', () =>
                res.statusCode === 200 ? resolve() : reject(new Error(`HTTP ${res.statusCode}`)),
              )
          },
        )
        req.on('error', reject).end(payload)
      })

    let seqBase = 0
    const walletdRuns: Result[] = []
    const baselineRuns: Result[] = []
    for (let round = 0; round < ROUNDS; round++) {
      // walletd: commit N events; its own job runner (default poll, concurrency 8) delivers them.
      received.clear()
      const sent = new Map<number, number>()
      const base = seqBase
      seqBase += EVENTS
      const done = allReceived(EVENTS)
      await inParallel(EVENTS, async (i) => {
        await handle.db.transaction().execute((trx) =>
          app.walletd.webhooks.emitEvent(
            {
              orgId: boot.orgId,
              kind: 'wallet.blockchainevent.detected',
              data: { blockchainEvent: sampleEvent, bench: base + i },
            },
            trx,
          ),
        )
        sent.set(base + i, now())
      })
      await done
      const w = summarize(sent, new Map([...received].filter(([s]) => sent.has(s))))
      walletdRuns.push(w)
      log(`round ${round + 1} walletd: ${w.perSecond} events/s, p50 ${w.p50Ms} ms, p99 ${w.p99Ms} ms`)

      // Baseline: the same bodies POSTed straight to the same receiver, IN_FLIGHT at a time.
      received.clear()
      const posted = new Map<number, number>()
      const bBase = seqBase
      seqBase += EVENTS
      const bDone = allReceived(EVENTS)
      await inParallel(EVENTS, async (i) => {
        const payload = body(bBase + i)
        posted.set(bBase + i, now())
        await post(payload)
      })
      await bDone
      const b = summarize(posted, received)
      baselineRuns.push(b)
      log(`round ${round + 1} bare POST loop: ${b.perSecond} events/s, p50 ${b.p50Ms} ms, p99 ${b.p99Ms} ms`)
    }
    agent.destroy()
    const pick = (runs: Result[]) => ({
      perSecond: median(runs.map((r) => r.perSecond)),
      p50Ms: median(runs.map((r) => r.p50Ms)),
      p99Ms: median(runs.map((r) => r.p99Ms)),
    })
    process.stdout.write(
      `${JSON.stringify({ dialect, events: EVENTS, rounds: ROUNDS, inFlight: IN_FLIGHT, walletd: pick(walletdRuns), baseline: pick(baselineRuns) })}\n`,
    )
  } finally {
    await app.close()
    await cleanup()
    sink.disconnect()
  }
}

if (process.argv[2] === 'sink') runSink()
else await main()
