import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { walletdBin } from '../../test/helpers/walletd-process.ts'
import { freePort, repoRoot, spawnServer, startWalletd } from '../lib/processes.ts'
import { type BenchCase, median } from '../lib/types.ts'

const IDLE_MS = 2_000

/**
 * `walletd start` on the embedded default (SQLite in a fresh data dir, so every run also creates
 * the database, runs the migrations and writes the master key): time from spawning the process
 * to the first 200 on /healthz, and resident memory once it has sat idle for a moment.
 */
const startup: BenchCase = {
  name: 'startup',
  title: 'walletd start on the embedded default',
  async run({ rounds, log }) {
    const runs = Math.max(5, rounds)
    const firstAnswer: number[] = []
    const restartAnswer: number[] = []
    const rss: number[] = []
    const devChainRss: number[] = []
    const bareAnswer: number[] = []
    // The first run after a change of the sources or dependencies builds the bundle
    // (bin/walletd.js): build it now, so every measured run loads it as an operator's does.
    execFileSync(process.execPath, [walletdBin, '--help'], { stdio: 'ignore' })
    for (let i = 1; i <= runs; i++) {
      // The baseline in the same run, alternating with walletd: a bare fastify process, same harness.
      const barePort = await freePort()
      const bare = await spawnServer(
        [path.join(repoRoot, 'bench/baselines/bare-fastify.mjs'), String(barePort)],
        barePort,
      )
      await bare.stop()
      bareAnswer.push(bare.msToFirst200)
      const walletd = await startWalletd()
      await new Promise((r) => setTimeout(r, IDLE_MS))
      const mb = walletd.rssMb()
      const chainMb = childrenRssMb(walletd.pid)
      if (chainMb !== undefined) devChainRss.push(chainMb)
      // The same data dir again: an ordinary restart (nothing to migrate or bootstrap).
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'walletd-bench-keep-'))
      fs.cpSync(walletd.dataDir, dataDir, { recursive: true })
      await walletd.stop()
      const again = await startWalletd({ dataDir })
      await again.stop()
      fs.rmSync(dataDir, { recursive: true, force: true })
      log(
        `run ${i}: first 200 after ${walletd.msToFirst200.toFixed(0)} ms (restart ${again.msToFirst200.toFixed(0)} ms, bare fastify ${bare.msToFirst200.toFixed(0)} ms), idle RSS ${mb?.toFixed(0)} MB (dev chain ${chainMb?.toFixed(0) ?? '-'} MB)`,
      )
      firstAnswer.push(walletd.msToFirst200)
      restartAnswer.push(again.msToFirst200)
      if (mb !== undefined) rss.push(mb)
    }

    // The same start through tsx's loader hooks instead of the bundle: why bin/walletd.js bundles.
    const viaTsx: number[] = []
    for (let i = 1; i <= 3; i++) {
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'walletd-bench-tsx-'))
      const port = await freePort()
      const server = await spawnServer(
        [
          '--import',
          'tsx',
          path.join(repoRoot, 'bench/lib/tsx-main.ts'),
          'start',
          '--port',
          String(port),
          '--data-dir',
          dataDir,
        ],
        port,
        { env: { WALLETD_LOG_LEVEL: 'warn' } },
      )
      await server.stop()
      fs.rmSync(dataDir, { recursive: true, force: true })
      log(`through tsx, run ${i}: first 200 after ${server.msToFirst200.toFixed(0)} ms`)
      viaTsx.push(server.msToFirst200)
    }

    const first200 = median(firstAnswer)
    const restart200 = median(restartAnswer)
    const idle = median(rss)
    const bare200 = median(bareAnswer)
    return {
      rows: [
        {
          metric: 'first start to first 200',
          unit: 'ms',
          value: first200,
          baseline: bare200,
          target: '≤ 2.5× bare fastify',
          met: first200 <= 2.5 * bare200,
        },
        {
          metric: 'restart to first 200',
          unit: 'ms',
          value: restart200,
          baseline: bare200,
          target: '≤ 2.5× bare fastify',
          met: restart200 <= 2.5 * bare200,
        },
        { metric: 'idle resident memory', unit: 'MB', value: idle, target: '< 150 MB', met: idle < 150 },
        ...(devChainRss.length
          ? [
              {
                metric: 'the dev chain process (Anvil), resident memory',
                unit: 'MB',
                value: median(devChainRss),
              },
            ]
          : []),
        { metric: 'start to first 200, sources through tsx (no bundle)', unit: 'ms', value: median(viaTsx) },
      ],
      notes: [
        `Baseline: \`bench/baselines/bare-fastify.mjs\` spawned and polled by the same harness, alternating with walletd in each run.`,
        `${runs} runs, median; each a fresh process polled on GET /healthz from the parent. A first start has a fresh data dir (creates the database, migrates, writes the master key; the bootstrap org is made after listening); a restart reuses a copy of it. RSS read from /proc after ${IDLE_MS / 1000} s idle.`,
        'The bundle (src/ and the dependencies it imports, one file) is built once per change of either, before the runs, and is not part of them.',
      ],
    }
  },
}

/** Resident memory of a process's descendants (the supervised dev chain), in MB, from /proc. */
function childrenRssMb(pid: number): number | undefined {
  const descendants = (of: number): number[] => {
    try {
      const children = fs.readFileSync(`/proc/${of}/task/${of}/children`, 'utf8').trim().split(/\s+/)
      return children.filter(Boolean).flatMap((c) => [Number(c), ...descendants(Number(c))])
    } catch {
      return []
    }
  }
  let kb = 0
  const all = descendants(pid)
  for (const child of all) {
    try {
      kb += Number(/VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${child}/status`, 'utf8'))?.[1] ?? 0)
    } catch {
      // exited meanwhile
    }
  }
  return all.length ? kb / 1024 : undefined
}

export default startup
