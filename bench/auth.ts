// Authentication and user-action signing cost: `node --import tsx bench/auth.ts`.
// Prints one JSON object on stdout; progress on stderr.
//
// 1. Throughput, in the same run against one `walletd start` process (SQLite, fresh data dir, the
//    root service account from its bootstrap.json), driven by the official SDK from this process:
//    - signed writes: PUT /auth/service-accounts/:id through the SDK's full flow
//      (action/init → keysigner sign → action → the request with x-dfns-useraction);
//    - unsigned authenticated reads: GET /auth/service-accounts/:id.
//    Rounds alternate reads and writes; medians are reported, and writes/reads is the ratio.
// 2. Per-request CPU (process.cpuUsage, in this process, no HTTP):
//    - token verification: ES256 signature check on a cache miss, and a cache hit;
//    - authenticate(): header → caller, including the per-request token/user state lookup (SQLite);
//    - credential verification: a Key assertion per algorithm the keysigner produces.
//
// Env: BENCH_DURATION (seconds per round, 5), BENCH_ROUNDS (2), BENCH_CONCURRENCY (8),
//      BENCH_ITERATIONS (2000, for the CPU measurements).

import { randomBytes, sign } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { ManualClock } from '../src/clock.ts'
import { SecretBox } from '../src/custody/secret-box.ts'
import { migrateToLatest, openDatabase } from '../src/db/database.ts'
import { createAuthModule } from '../src/domains/auth/index.ts'
import type { Credential } from '../src/domains/auth/model.ts'
import { verifyKeyAssertion } from '../src/domains/auth/services/credential-verifier.ts'
import { commandMailer } from '../src/mail/index.ts'
import { type KeyKind, newKey, rootClientFrom } from '../test/helpers/sdk.ts'
import { startWalletd } from './lib/processes.ts'

const DURATION_S = Number(process.env.BENCH_DURATION ?? 5)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2)
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8)
const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 2000)
const log = (message: string) => process.stderr.write(`${message}\n`)
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}
const round1 = (n: number) => Math.round(n * 10) / 10

/** Run `op` from `CONCURRENCY` loops for `DURATION_S` seconds; completed operations per second. */
async function throughput(op: (i: number) => Promise<unknown>): Promise<number> {
  const until = performance.now() + DURATION_S * 1000
  let done = 0
  let next = 0
  const started = performance.now()
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < until) {
        await op(next++)
        done++
      }
    }),
  )
  return done / ((performance.now() - started) / 1000)
}

/** CPU microseconds (user + system) per call of `op`, over `n` calls. */
async function cpuPerCall(n: number, op: (i: number) => unknown): Promise<number> {
  const before = process.cpuUsage()
  for (let i = 0; i < n; i++) await op(i)
  const used = process.cpuUsage(before)
  return (used.user + used.system) / n
}

async function measureThroughput() {
  const server = await startWalletd()
  try {
    const bootstrap = JSON.parse(fs.readFileSync(path.join(server.dataDir, 'bootstrap.json'), 'utf8'))
    const root = rootClientFrom(server.baseUrl, bootstrap)
    const target = await root.auth.createServiceAccount({
      body: { name: 'bench-target', publicKey: newKey().publicKey },
    })
    const id = target.userInfo.userId
    const read = () => root.auth.getServiceAccount({ serviceAccountId: id })
    const write = (i: number) =>
      root.auth.updateServiceAccount({ serviceAccountId: id, body: { externalId: `bench-${i}` } })
    log('warm-up')
    for (let i = 0; i < 50; i++) await Promise.all([read(), write(i)])
    const reads: number[] = []
    const writes: number[] = []
    for (let r = 0; r < ROUNDS; r++) {
      reads.push(await throughput(read))
      log(`round ${r + 1}: reads ${reads.at(-1)!.toFixed(0)}/s`)
      writes.push(await throughput(write))
      log(`round ${r + 1}: signed writes ${writes.at(-1)!.toFixed(0)}/s`)
    }
    return { reads: median(reads), writes: median(writes) }
  } finally {
    await server.stop()
  }
}

async function measureCpu() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'walletd-bench-auth-'))
  const database = openDatabase({ kind: 'sqlite', file: path.join(dir, 'walletd.sqlite') })
  try {
    await migrateToLatest(database)
    const clock = new ManualClock(Date.parse('2026-01-01T00:00:00Z'))
    const { service: auth } = createAuthModule({
      db: database.db,
      clock,
      secrets: new SecretBox(randomBytes(32)),
      config: { region: 'bench', publicUrl: 'http://127.0.0.1' },
      mailer: commandMailer({ smtpUrl: undefined, mailFrom: 'bench@localhost' }, clock),
    })
    const { serviceAccount } = await auth.bootstrapOrg()
    const tokens = auth.context.tokens
    const claims = {
      orgId: 'or-x',
      userId: 'us-x',
      tokenKind: 'Pat' as const,
      appId: 'ap-x',
      username: 'bench',
    }
    const expires = new Date(clock.now().getTime() + 3_600_000)
    const distinct = await Promise.all(
      Array.from({ length: ITERATIONS }, (_, i) => tokens.issue({ ...claims, tokenId: `to-${i}` }, expires)),
    )
    log('token verification')
    const verifyUncached = await cpuPerCall(ITERATIONS, (i) => tokens.verify(distinct[i]!))
    const verifyCached = await cpuPerCall(ITERATIONS, (i) => tokens.verify(distinct[i]!))
    const header = `Bearer ${serviceAccount.accessToken}`
    await auth.authenticate(header, 'token')
    const authStarted = performance.now()
    const authenticateCpu = await cpuPerCall(ITERATIONS, () => auth.authenticate(header, 'token'))
    const authenticateWall = ((performance.now() - authStarted) * 1000) / ITERATIONS

    log('credential verification')
    const credentialCpu: Record<string, number> = {}
    for (const kind of ['p256', 'secp256k1', 'p384', 'ed25519', 'rsa'] as KeyKind[]) {
      const key = newKey(kind)
      const clientData = Buffer.from(
        JSON.stringify({ type: 'key.get', challenge: randomBytes(32).toString('base64url') }),
      )
      const assertion = {
        clientData: clientData.toString('base64url'),
        signature: sign(undefined, clientData, key.privateKey).toString('base64url'),
      }
      const credential = { publicKey: key.publicKey, credId: 'bench' } as Credential
      const challenge = JSON.parse(clientData.toString()).challenge as string
      credentialCpu[kind] = round1(
        await cpuPerCall(ITERATIONS, () => verifyKeyAssertion(credential, assertion, challenge)),
      )
    }
    return {
      tokenVerification: {
        signatureCacheMiss: round1(verifyUncached),
        signatureCacheHit: round1(verifyCached),
      },
      authenticate: { cpu: round1(authenticateCpu), wall: round1(authenticateWall) },
      credentialVerification: credentialCpu,
    }
  } finally {
    await database.close()
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

const cpu = await measureCpu()
const { reads, writes } = await measureThroughput()
const result = {
  case: 'auth',
  database: 'sqlite',
  durationSecondsPerRound: DURATION_S,
  rounds: ROUNDS,
  concurrency: CONCURRENCY,
  signedWritesPerSecond: Math.round(writes),
  unsignedReadsPerSecond: Math.round(reads),
  signedWritesOverReads: Math.round((writes / reads) * 1000) / 1000,
  cpuMicrosPerCall: cpu,
}
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`)
