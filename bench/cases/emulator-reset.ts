import { generateKeyPairSync } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { DfnsApiClient } from '@dfns/sdk'
import { AsymmetricKeySigner } from '@dfns/sdk-keysigner'
import SQLite from 'better-sqlite3'
import { startWalletd } from '../lib/processes.ts'
import { type BenchCase, median, percentile } from '../lib/types.ts'

const WRITES_BETWEEN_RESETS = 5

function seedFor(publicKey: string) {
  return {
    orgs: [
      {
        key: 'bench',
        serviceAccounts: [{ name: 'bench', publicKey, permissions: ['DfnsFullAdminAccess'] }],
        wallets: [
          {
            key: 'w0',
            network: 'EthereumSepolia',
            privateKey: `0x${'42'.repeat(32)}`,
            balance: '1000000000000000000',
          },
        ],
      },
    ],
  }
}

interface Seeded {
  orgs: { orgId: string; serviceAccounts: { accessToken: string; credId: string }[] }[]
}

/**
 * Grows the wallets table to `rows` rows (copies of the seeded wallet, each with an address of its
 * own, as real wallets have), walletd stopped.
 */
function growWallets(dataDir: string, rows: number): void {
  const db = new SQLite(path.join(dataDir, 'walletd.sqlite'))
  try {
    const have = (db.prepare('SELECT count(*) AS n FROM wallets').get() as { n: number }).n
    db.prepare(
      `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
       INSERT INTO wallets (id, org_id, key_id, network, address, name, status, external_id, tags,
         delegated_to, delay_delegation, date_created, date_deleted)
       SELECT printf('wa-bench-%06d-%016d', i, i), org_id, key_id, network, printf('0x%040x', i),
         'copy ' || i, status, NULL, tags, delegated_to, delay_delegation, date_created, date_deleted
       FROM n, (SELECT * FROM wallets LIMIT 1)`,
    ).run(rows - have)
  } finally {
    db.close()
  }
}

/**
 * Issue 13: `POST /emulator/reset` on the embedded default (SQLite and the dev chain) with the
 * database holding 1,000 and 100,000 rows (wallets), against what a CI job does without it: delete
 * the data directory and start walletd again with its seed, in the same run.
 */
const emulatorReset: BenchCase = {
  name: 'emulator-reset',
  title: 'Emulator reset vs deleting the data directory and starting again',
  async run({ rounds, log }) {
    const pair = generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
    const privateKey = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
    const publicKey = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString()
    const seedFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'walletd-bench-seed-')), 'seed.json')
    fs.writeFileSync(seedFile, JSON.stringify(seedFor(publicKey)))

    // Baseline: rm -rf the data dir, then `walletd start --seed` until it answers (seeded).
    const restart: number[] = []
    for (let i = 0; i < Math.max(5, rounds); i++) {
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'walletd-bench-reset-'))
      const started = performance.now()
      fs.rmSync(dataDir, { recursive: true, force: true })
      const walletd = await startWalletd({ dataDir, extraArgs: ['--seed', seedFile] })
      restart.push(performance.now() - started)
      await walletd.stop()
      fs.rmSync(dataDir, { recursive: true, force: true })
      log(`delete + start --seed: ${restart.at(-1)!.toFixed(0)} ms`)
    }

    const measure = async (rows: number, samples: number) => {
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'walletd-bench-reset-'))
      try {
        const first = await startWalletd({ dataDir, extraArgs: ['--seed', seedFile] })
        await first.stop()
        growWallets(dataDir, rows)
        // The empty state is captured again at the next start: the one holding `rows` wallets.
        fs.rmSync(path.join(dataDir, 'emulator-state'), { recursive: true, force: true })
        const walletd = await startWalletd({ dataDir })
        try {
          const token = fs.readFileSync(path.join(dataDir, 'operator-token'), 'utf8').trim()
          const seeded = JSON.parse(fs.readFileSync(path.join(dataDir, 'seeded.json'), 'utf8')) as Seeded
          const org = seeded.orgs[0]!
          const dfns = new DfnsApiClient({
            baseUrl: walletd.baseUrl,
            orgId: org.orgId,
            authToken: org.serviceAccounts[0]!.accessToken,
            signer: new AsymmetricKeySigner({ credId: org.serviceAccounts[0]!.credId, privateKey }),
          })
          const client: number[] = []
          const server: number[] = []
          for (let i = 0; i < samples; i++) {
            for (let w = 0; w < WRITES_BETWEEN_RESETS; w++) {
              await dfns.wallets.createWallet({ body: { network: 'EthereumSepolia' } })
            }
            const started = performance.now()
            const res = await fetch(`${walletd.baseUrl}/emulator/reset`, {
              method: 'POST',
              headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
              body: JSON.stringify({ to: 'empty' }),
            })
            const body = (await res.json()) as { durationMs: number; waitedForJobsMs: number }
            client.push(performance.now() - started)
            if (res.status !== 200) throw new Error(`reset answered ${res.status}: ${JSON.stringify(body)}`)
            server.push(body.durationMs - body.waitedForJobsMs)
          }
          const listed = await dfns.wallets.listWallets({ query: { limit: 1 } })
          if (!listed.nextPageToken) throw new Error('the reset state lost its wallets')
          client.sort((a, b) => a - b)
          server.sort((a, b) => a - b)
          log(
            `${rows} rows: reset p50 ${percentile(client, 0.5).toFixed(1)} ms, p99 ${percentile(client, 0.99).toFixed(1)} ms`,
          )
          return { client, server }
        } finally {
          await walletd.stop()
        }
      } finally {
        fs.rmSync(dataDir, { recursive: true, force: true })
      }
    }

    const small = await measure(1_000, 40)
    const large = await measure(100_000, 15)
    restart.sort((a, b) => a - b)
    const baselineP50 = median(restart)
    const baselineMax = restart.at(-1)!
    const rows = [
      { label: '1,000', r: small },
      { label: '100,000', r: large },
    ].flatMap(({ label, r }) => [
      {
        metric: `reset p50, ${label} rows (baseline: delete data dir + start --seed, p50)`,
        unit: 'ms',
        value: percentile(r.client, 0.5),
        baseline: baselineP50,
        ...(label === '1,000' ? { target: '< 100 ms', met: percentile(r.client, 0.5) < 100 } : {}),
      },
      {
        metric: `reset p99, ${label} rows (baseline: delete data dir + start --seed, slowest)`,
        unit: 'ms',
        value: percentile(r.client, 0.99),
        baseline: baselineMax,
        ...(label === '1,000' ? { target: '< 100 ms', met: percentile(r.client, 0.99) < 100 } : {}),
      },
      {
        metric: `reset p50 inside walletd, database and chain only (without waiting for jobs in flight), ${label} rows`,
        unit: 'ms',
        value: percentile(r.server, 0.5),
      },
      {
        metric: `reset p99 inside walletd, database and chain only, ${label} rows`,
        unit: 'ms',
        value: percentile(r.server, 0.99),
      },
    ])
    return {
      rows,
      notes: [
        `Reset: \`POST /emulator/reset {"to":"empty"}\` timed by the client over HTTP, ${WRITES_BETWEEN_RESETS} wallet creations (SDK, signed) between resets; the database holds the given number of wallet rows (plus the orgs, keys and permissions of a first start with a one-org seed) and the dev chain (Anvil) is reset too (\`anvil_reset\` + \`anvil_loadState\`).`,
        'The HTTP time includes waiting for the background jobs in flight (the reset pauses the job runner and lets a running job finish first, so it cannot write into the restored state); with 100,000 wallets that is mostly the chain-history follower, whose pass reads every watched wallet. The rows "database and chain only" are `durationMs - waitedForJobsMs` of the answer.',
        `Baseline: \`rm -rf\` of the data dir, then \`walletd start --seed\` with the same one-org seed until it answers (${restart.length} runs; p99 column: the slowest). It recreates only the seed, not the thousands of rows: with them it would only be slower.`,
      ],
    }
  },
}

export default emulatorReset
