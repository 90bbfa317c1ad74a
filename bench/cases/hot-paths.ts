import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { DfnsApiClient } from '@dfns/sdk'
import { AsymmetricKeySigner } from '@dfns/sdk-keysigner'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import pg from 'pg'
import { type ServerProcess, startWalletd } from '../lib/processes.ts'
import { type BenchCase, median, type ResultRow } from '../lib/types.ts'

/**
 * Issue 14: what the hot paths cost the server, per request, against what bounds them.
 *
 * - Authenticated read (`getWallet` through the SDK) against the trivial route (`GET /healthz`),
 *   both called sequentially from this process: server CPU per request from /proc, and the SQL
 *   statements it sent (from `walletd_sql_statements_total` at /metrics, read before and after).
 * - The SDK's whole signature flow for a Hash (user-action init, user action, signature request)
 *   against one raw secp256k1 signature with the library walletd signs with (@noble/curves), timed
 *   in this process.
 *
 * Sequential calls, so the figures are per request, not throughput. With `DATABASE_URL` set the
 * same is measured on a fresh PostgreSQL database beside SQLite (statements are round trips there).
 */
const CALLS = Number(process.env.BENCH_HOT_PATH_CALLS ?? 300)
const TRIVIAL_CALLS = 10 * CALLS

/** How many calls of each path are counted one by one for their statements (besides the timed calls). */
const COUNTED_CALLS = Number(process.env.BENCH_HOT_PATH_COUNTED_CALLS ?? 60)
/** Where /proc cannot be read (not Linux): the CPU rows read 0. */
const NO_CPU_TIMES = { user: 0, system: 0 }

interface PathCost {
  cpuMicros: number
  /** The part of `cpuMicros` the kernel spent for the server (system time). */
  systemMicros: number
  /** Statements one call sends: the median of per-call counts (see `statementsPerCall`). */
  statements: number
  /** Statements over the timed calls divided by their number: includes the node's background work. */
  statementsMean: number
}

async function statementsSoFar(baseUrl: string): Promise<number> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text()
  const line = text.split('\n').find((l) => l.startsWith('walletd_sql_statements_total'))
  if (!line) throw new Error('walletd_sql_statements_total is missing from /metrics')
  return Number(line.split(' ').pop())
}

/**
 * The statements one call of `call` sends. The counter is the node's, so work the node does on its
 * own (the job runner polls every 250 ms, the sweeps) lands in whatever window is open: over 300
 * calls that added a few hundredths per call (a read measured 2.01). Each call is counted alone
 * (a scrape, the call, a scrape, less what a scrape itself costs), and the median of those counts
 * is the call's: a background statement shows up in a few windows, not in most of them.
 */
async function statementsPerCall(server: ServerProcess, call: () => Promise<unknown>): Promise<number> {
  // What a scrape adds between two counter reads (the webhook queue gauges), the same way.
  const scrapes: number[] = []
  for (let i = 0; i < 9; i++) {
    const a = await statementsSoFar(server.baseUrl)
    scrapes.push((await statementsSoFar(server.baseUrl)) - a)
  }
  const scrapeCost = median(scrapes)
  const counts: number[] = []
  for (let i = 0; i < COUNTED_CALLS; i++) {
    const before = await statementsSoFar(server.baseUrl)
    await call()
    counts.push((await statementsSoFar(server.baseUrl)) - before - scrapeCost)
  }
  return median(counts)
}

/**
 * Server CPU per call of `call` over `calls` sequential calls, and its statements (see above). The
 * CPU clock ticks every 10 ms, so a cheap call needs more calls for the same resolution.
 */
async function costOf(server: ServerProcess, call: () => Promise<unknown>, calls = CALLS): Promise<PathCost> {
  // A scrape runs statements of its own (the webhook queue gauges): measured, then taken off.
  const first = await statementsSoFar(server.baseUrl)
  const statementsBefore = await statementsSoFar(server.baseUrl)
  const before = server.cpuTimes() ?? NO_CPU_TIMES
  for (let i = 0; i < calls; i++) await call()
  const after = server.cpuTimes() ?? NO_CPU_TIMES
  const system = after.system - before.system
  const cpu = after.user - before.user + system
  const statements = (await statementsSoFar(server.baseUrl)) - statementsBefore - (statementsBefore - first)
  return {
    cpuMicros: (cpu * 1e6) / calls,
    systemMicros: (system * 1e6) / calls,
    statements: await statementsPerCall(server, call),
    statementsMean: statements / calls,
  }
}

function clientOf(server: ServerProcess & { dataDir: string }): DfnsApiClient {
  const { orgId, serviceAccount } = JSON.parse(
    fs.readFileSync(path.join(server.dataDir, 'bootstrap.json'), 'utf8'),
  )
  return new DfnsApiClient({
    baseUrl: server.baseUrl,
    orgId,
    authToken: serviceAccount.accessToken,
    signer: new AsymmetricKeySigner({ credId: serviceAccount.credId, privateKey: serviceAccount.privateKey }),
  })
}

/** Microseconds of CPU for one raw secp256k1 signature of a 32-byte hash, median of `rounds` batches. */
function rawSignatureMicros(rounds: number): number {
  const key = secp256k1.utils.randomSecretKey()
  const hash = new Uint8Array(32).fill(7)
  for (let i = 0; i < 200; i++) secp256k1.sign(hash, key, { prehash: false })
  const batches: number[] = []
  for (let r = 0; r < rounds; r++) {
    const started = process.cpuUsage()
    for (let i = 0; i < CALLS; i++) secp256k1.sign(hash, key, { prehash: false })
    const used = process.cpuUsage(started)
    batches.push((used.user + used.system) / CALLS)
  }
  return median(batches)
}

async function measure(
  label: string,
  env: NodeJS.ProcessEnv,
  rounds: number,
  log: (line: string) => void,
): Promise<{ read: PathCost; trivial: PathCost; signature: PathCost }> {
  const walletd = await startWalletd({ env: { WALLETD_DEV_CHAIN: 'false', ...env } })
  try {
    const client = clientOf(walletd)
    const wallet = await client.wallets.createWallet({ body: { network: 'EthereumSepolia' } })
    const read = () => client.wallets.getWallet({ walletId: wallet.id })
    const trivial = async () => (await fetch(`${walletd.baseUrl}/healthz`)).arrayBuffer()
    const sign = () =>
      client.wallets.generateSignature({
        walletId: wallet.id,
        body: { kind: 'Hash', hash: `0x${'ab'.repeat(32)}` },
      })
    // Warm-up: schemas compile, the JIT settles, the signing key is loaded.
    for (let i = 0; i < 100; i++) await Promise.all([read(), trivial()])
    for (let i = 0; i < 30; i++) await sign()
    const reads: PathCost[] = []
    const trivials: PathCost[] = []
    const signatures: PathCost[] = []
    for (let r = 1; r <= rounds; r++) {
      // The baseline of the read's ratio: ~100 µs a call, so ten times the calls (± 3 µs, not ± 33).
      trivials.push(await costOf(walletd, trivial, TRIVIAL_CALLS))
      reads.push(await costOf(walletd, read))
      signatures.push(await costOf(walletd, sign))
      log(
        `${label} round ${r}: read ${reads.at(-1)!.cpuMicros.toFixed(0)} µs, trivial ${trivials.at(-1)!.cpuMicros.toFixed(0)} µs, signature flow ${signatures.at(-1)!.cpuMicros.toFixed(0)} µs`,
      )
    }
    const pick = (all: PathCost[]) => ({
      cpuMicros: median(all.map((c) => c.cpuMicros)),
      systemMicros: median(all.map((c) => c.systemMicros)),
      statements: median(all.map((c) => c.statements)),
      statementsMean: median(all.map((c) => c.statementsMean)),
    })
    return { read: pick(reads), trivial: pick(trivials), signature: pick(signatures) }
  } finally {
    await walletd.stop()
  }
}

/** A fresh database on the PostgreSQL server of `url`, dropped by the returned function. */
async function freshPostgres(url: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `walletd_bench_${Date.now()}`
  const admin = new pg.Client({ connectionString: url })
  await admin.connect()
  await admin.query(`create database ${name}`)
  await admin.end()
  const target = new URL(url)
  target.pathname = `/${name}`
  return {
    url: target.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: url })
      await c.connect()
      await c.query(`drop database if exists ${name} with (force)`)
      await c.end()
    },
  }
}

function rowsFor(
  label: string,
  m: { read: PathCost; trivial: PathCost; signature: PathCost },
  raw: number,
): ResultRow[] {
  return [
    {
      metric: `${label}: authenticated read, server CPU per request`,
      unit: 'µs',
      value: m.read.cpuMicros,
      baseline: m.trivial.cpuMicros,
      target: '≤ 5× the trivial route',
      met: m.read.cpuMicros <= 5 * m.trivial.cpuMicros,
    },
    {
      metric: `${label}: authenticated read, SQL statements per request`,
      unit: 'statements',
      value: m.read.statements,
      target: '≤ 2',
      met: m.read.statements <= 2,
    },
    {
      metric: `${label}: Hash signature flow (3 requests), server CPU`,
      unit: 'µs',
      value: m.signature.cpuMicros,
      baseline: raw,
      target: '≤ 3× one raw signature',
      met: m.signature.cpuMicros <= 3 * raw,
    },
    {
      metric: `${label}: Hash signature flow, SQL statements`,
      unit: 'statements',
      value: m.signature.statements,
      target: '≤ 12',
      met: m.signature.statements <= 12,
    },
  ]
}

const hotPaths: BenchCase = {
  name: 'hot-paths',
  title: 'Hot paths: authenticated read and the signature flow, per request',
  async run({ rounds, log }) {
    const raw = rawSignatureMicros(rounds)
    log(`raw secp256k1 signature (@noble/curves): ${raw.toFixed(0)} µs`)
    // startWalletd runs SQLite unless given a database: the bench's DATABASE_URL adds the second run.
    const measured = [{ label: 'SQLite', m: await measure('SQLite', {}, rounds, log) }]
    const pgUrl = process.env.DATABASE_URL
    if (pgUrl) {
      const database = await freshPostgres(pgUrl)
      try {
        const env = { DATABASE_URL: database.url, WALLETD_OPERATOR_TOKEN: randomBytes(24).toString('hex') }
        measured.push({ label: 'PostgreSQL', m: await measure('PostgreSQL', env, rounds, log) })
      } finally {
        await database.drop()
      }
    }
    const means = measured
      .map(
        ({ label, m }) =>
          `${label} ${m.read.statementsMean.toFixed(3)} (read) and ${m.signature.statementsMean.toFixed(3)} (signature flow)`,
      )
      .join(', ')
    const kernel = measured
      .map(
        ({ label, m }) =>
          `${label}: read ${m.read.systemMicros.toFixed(0)} µs, trivial route ${m.trivial.systemMicros.toFixed(0)} µs, signature flow ${m.signature.systemMicros.toFixed(0)} µs`,
      )
      .join('; ')
    const notes = [
      `${CALLS} sequential calls per round from the SDK in the bench process (${TRIVIAL_CALLS} of the trivial route), ${rounds} rounds after warm-up; medians. Server CPU from /proc/<pid>/stat (10 ms ticks, so a figure is ± 10 ms / the calls) over those calls.`,
      `Statements from walletd_sql_statements_total, counted around each of ${COUNTED_CALLS} further calls per round (a scrape before and after, less a scrape's own): the median per call. The node's own background work (job runner polls every 250 ms, sweeps) falls in a few of those windows, not in the median; the node's whole count over the timed calls, per call: ${means}.`,
      `Of the server CPU, the kernel's part (system time: the sockets to the client and to PostgreSQL, fsync), medians: ${kernel}.`,
      'Baselines: GET /healthz of the same process for the read; one raw secp256k1 signature of a 32-byte hash with @noble/curves (the library walletd signs with), CPU of this process, for the signature flow.',
    ]
    if (!pgUrl) notes.push('PostgreSQL not measured in this run: set DATABASE_URL to add it.')
    const rows = measured.flatMap(({ label, m }) => rowsFor(label, m, raw))
    return { rows, notes }
  },
}

export default hotPaths
