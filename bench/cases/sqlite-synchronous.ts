import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { DfnsApiClient } from '@dfns/sdk'
import { AsymmetricKeySigner } from '@dfns/sdk-keysigner'
import SQLite from 'better-sqlite3'
import { loadAverage, startWalletd } from '../lib/processes.ts'
import { type BenchCase, median } from '../lib/types.ts'

const CONCURRENCY = 8

/** Wallets created per second through the SDK (user action + create), `CONCURRENCY` in flight. */
async function walletsPerSecond(synchronous: 'full' | 'normal', seconds: number): Promise<number> {
  const walletd = await startWalletd({
    env: { WALLETD_SQLITE_SYNCHRONOUS: synchronous, WALLETD_DEV_CHAIN: 'false' },
  })
  try {
    const { orgId, serviceAccount } = JSON.parse(
      fs.readFileSync(path.join(walletd.dataDir, 'bootstrap.json'), 'utf8'),
    )
    const client = new DfnsApiClient({
      baseUrl: walletd.baseUrl,
      orgId,
      authToken: serviceAccount.accessToken,
      signer: new AsymmetricKeySigner({
        credId: serviceAccount.credId,
        privateKey: serviceAccount.privateKey,
      }),
    })
    // Warm-up: schemas compile and the signing key loads outside the measured window.
    await client.wallets.createWallet({ body: { network: 'EthereumSepolia' } })
    let created = 0
    const started = performance.now()
    const until = started + seconds * 1000
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (performance.now() < until) {
          await client.wallets.createWallet({ body: { network: 'EthereumSepolia' } })
          created++
        }
      }),
    )
    return created / ((performance.now() - started) / 1000)
  } finally {
    await walletd.stop()
  }
}

/** One-row write transactions per second straight through better-sqlite3, in WAL mode: the fsync alone. */
function commitsPerSecond(synchronous: 'full' | 'normal', seconds: number): number {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'walletd-bench-sync-'))
  const db = new SQLite(path.join(dir, 'commits.sqlite'))
  try {
    db.pragma('journal_mode = WAL')
    db.pragma(`synchronous = ${synchronous.toUpperCase()}`)
    db.exec('create table t (id integer primary key, v text not null)')
    const insert = db.prepare('insert into t (v) values (?)')
    let commits = 0
    const started = performance.now()
    while (performance.now() - started < seconds * 1000) {
      insert.run('an address handed out')
      commits++
    }
    return commits / ((performance.now() - started) / 1000)
  } finally {
    db.close()
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

function filesystem(dir: string): string {
  try {
    return execFileSync('df', ['-T', dir], { encoding: 'utf8' }).split('\n')[1]?.split(/\s+/)[1] ?? 'unknown'
  } catch {
    return 'unknown'
  }
}

/**
 * Issue 9 item 12: the cost of `synchronous = FULL` (walletd's default: a commit is on disk before
 * it is answered) against `NORMAL` (no fsync at commit in WAL mode), on a write-heavy route.
 */
const sqliteSynchronous: BenchCase = {
  name: 'sqlite-synchronous',
  title: 'SQLite synchronous = FULL (the default) vs NORMAL: wallet creation',
  async run({ durationSeconds, rounds, log }) {
    const full: number[] = []
    const normal: number[] = []
    const fullCommits: number[] = []
    const normalCommits: number[] = []
    // Rounds alternate, so a busy machine weighs on both settings alike.
    for (let i = 0; i < rounds; i++) {
      full.push(await walletsPerSecond('full', durationSeconds))
      normal.push(await walletsPerSecond('normal', durationSeconds))
      fullCommits.push(commitsPerSecond('full', 2))
      normalCommits.push(commitsPerSecond('normal', 2))
      log(
        `round ${i + 1}: FULL ${full.at(-1)?.toFixed(1)} wallets/s, ${fullCommits.at(-1)?.toFixed(0)} commits/s; ` +
          `NORMAL ${normal.at(-1)?.toFixed(1)} wallets/s, ${normalCommits.at(-1)?.toFixed(0)} commits/s`,
      )
    }
    return {
      rows: [
        {
          metric: 'wallets created per second, synchronous = FULL (baseline: NORMAL)',
          unit: '/s',
          value: median(full),
          baseline: median(normal),
        },
        {
          metric: 'one-row commits per second, better-sqlite3 directly, FULL (baseline: NORMAL)',
          unit: '/s',
          value: median(fullCommits),
          baseline: median(normalCommits),
        },
      ],
      notes: [
        `Each round starts \`walletd start\` on a fresh SQLite data dir in the OS temp dir (an ${filesystem(os.tmpdir())} file system) with \`WALLETD_SQLITE_SYNCHRONOUS\` set, then creates EthereumSepolia wallets through the official SDK (its full flow: user action init, signed action, POST /wallets; several commits per wallet) with ${CONCURRENCY} in flight for ${durationSeconds} s. Rounds alternate FULL and NORMAL.`,
        'The second row isolates the fsync: 2 s of single-row insert transactions on a fresh file in the same directory, in the bench process, each round.',
        'On a busy machine (see the load average) wallet creation is bound by CPU, not by the disk, and its ratio is noisy; the commit row is the fsync cost itself. Re-run on a quiet machine for a steadier wallet ratio.',
        'FULL fsyncs the WAL at every commit; NORMAL only at checkpoints, so a power cut can lose commits already answered. walletd keeps FULL: an address handed out must survive a power cut.',
        `Load average after the case: ${loadAverage()}.`,
      ],
    }
  },
}

export default sqliteSynchronous
