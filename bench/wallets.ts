// Wallets and signatures, end to end through the official SDK, in one run:
//   - signatures per second through the SDK's full flow (user action init → sign → action → POST
//     /wallets/:id/signatures) for a secp256k1 wallet (EthereumSepolia, Hash) and an ed25519 wallet
//     (Solana, Message), each as a ratio to the raw signing rate of the same library (noble
//     secp256k1, node:crypto Ed25519) measured in the same process just before;
//   - `GET /wallets` latency (first page of 50, and a page half-way down by cursor) with 1,000 and
//     with 100,000 wallets in the org (seeded straight through the repository in batches): once
//     sequentially (the same org before and after growing), and once interleaved (a 1,000-wallet org
//     and the 100,000-wallet org sampled alternately, so machine noise weighs on both alike).
//
// `node --import tsx bench/wallets.ts` (SQLite in a temp file) or with DATABASE_URL=postgres://…
// (a fresh schema there). Prints one JSON object on stdout; progress on stderr.
// Env: BENCH_DURATION (seconds per signature run, 5), BENCH_CONCURRENCY (16), BENCH_LIST_SAMPLES (1000).

import { createPrivateKey, sign as nodeSign, randomBytes } from 'node:crypto'
import { performance } from 'node:perf_hooks'
import { DfnsApiClient } from '@dfns/sdk'
import { AsymmetricKeySigner } from '@dfns/sdk-keysigner'
import { ed25519 } from '@noble/curves/ed25519.js'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { buildApp } from '../src/app.ts'
import { systemClock } from '../src/clock.ts'
import { loadConfig } from '../src/config.ts'
import { SecretBox } from '../src/custody/secret-box.ts'
import type { WalletRecord } from '../src/domains/wallets/repository.ts'
import { encodePaginationToken, newId } from '../src/ids.ts'
import { openBenchDatabase } from './lib/database.ts'
import { percentile } from './lib/types.ts'

const DURATION_S = Number(process.env.BENCH_DURATION ?? 5)
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16)
const LIST_SAMPLES = Number(process.env.BENCH_LIST_SAMPLES ?? 1000)
const SEED_BATCH = 500
const log = (message: string) => process.stderr.write(`${message}\n`)

/** Operations per second of `op` over about `seconds` (synchronous work, one thread). */
function rawRate(op: () => void, seconds: number): number {
  for (let i = 0; i < 200; i++) op() // warm-up (JIT, noble's precomputed tables)
  let count = 0
  const start = performance.now()
  const until = start + seconds * 1000
  while (performance.now() < until) {
    for (let i = 0; i < 50; i++) op()
    count += 50
  }
  return count / ((performance.now() - start) / 1000)
}

/** Requests per second of `request` with `CONCURRENCY` in flight for `seconds`. */
async function loadRate(request: () => Promise<unknown>, seconds: number): Promise<number> {
  for (let i = 0; i < 20; i++) await request() // warm-up
  let done = 0
  const start = performance.now()
  const until = start + seconds * 1000
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < until) {
        await request()
        done++
      }
    }),
  )
  return done / ((performance.now() - start) / 1000)
}

interface Lat {
  p50Ms: number
  p99Ms: number
}

/** p50/p99 of each request, sampling them round-robin `samples` times each. */
async function latency(requests: Array<() => Promise<unknown>>, samples: number): Promise<Lat[]> {
  for (let i = 0; i < 20; i++) for (const request of requests) await request()
  const times = requests.map((): number[] => [])
  for (let i = 0; i < samples; i++) {
    for (const [k, request] of requests.entries()) {
      const start = performance.now()
      await request()
      times[k]!.push(performance.now() - start)
    }
  }
  const round = (ms: number) => Math.round(ms * 1000) / 1000
  return times.map((t) => {
    t.sort((a, b) => a - b)
    return { p50Ms: round(percentile(t, 0.5)), p99Ms: round(percentile(t, 0.99)) }
  })
}

async function main() {
  const { handle, cleanup, dialect } = await openBenchDatabase('wallets')
  const port = 20_000 + Math.floor(Math.random() * 20_000)
  const config = loadConfig(
    {
      dataDir: '/nonexistent-bench-data-dir',
      host: '127.0.0.1',
      port,
      publicUrl: `http://127.0.0.1:${port}`,
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
    await app.listen({ host: '127.0.0.1', port })
    const baseUrl = `http://127.0.0.1:${port}`
    const boot = await app.walletd.auth.bootstrapOrg()
    const client = new DfnsApiClient({
      baseUrl,
      orgId: boot.orgId,
      authToken: boot.serviceAccount.accessToken,
      signer: new AsymmetricKeySigner({
        credId: boot.serviceAccount.credId,
        privateKey: boot.serviceAccount.privateKey,
      }),
    })

    // --- signatures per second vs. the raw library ------------------------------------------------
    log(`raw signing rates (${DURATION_S} s each)`)
    const secpKey = secp256k1.utils.randomSecretKey()
    const digest = randomBytes(32)
    const rawSecp = rawRate(() => {
      secp256k1.sign(digest, secpKey, { prehash: false, lowS: true, format: 'recovered' })
    }, DURATION_S)
    const edKey = createPrivateKey({
      key: Buffer.concat([
        Buffer.from('302e020100300506032b657004220420', 'hex'),
        ed25519.utils.randomSecretKey(),
      ]),
      format: 'der',
      type: 'pkcs8',
    })
    const message = randomBytes(32)
    const rawEd = rawRate(() => {
      nodeSign(null, message, edKey)
    }, DURATION_S)

    const evm = await client.wallets.createWallet({ body: { network: 'EthereumSepolia' } })
    const sol = await client.wallets.createWallet({ body: { network: 'Solana' } })
    log(`end-to-end signatures, ${CONCURRENCY} in flight (${DURATION_S} s each)`)
    const hash = `0x${randomBytes(32).toString('hex')}`
    const e2eSecp = await loadRate(
      () => client.wallets.generateSignature({ walletId: evm.id, body: { kind: 'Hash', hash } }),
      DURATION_S,
    )
    const e2eEd = await loadRate(
      () =>
        client.wallets.generateSignature({
          walletId: sol.id,
          body: { kind: 'Message', message: `0x${message.toString('hex')}` },
        }),
      DURATION_S,
    )
    // Context: the same SDK flow (user action + signed write) for a write that signs nothing, so
    // the cost of the signature path itself shows apart from the user-action round trips.
    const e2eWrite = await loadRate(
      () => client.wallets.tagWallet({ walletId: evm.id, body: { tags: ['bench'] } }),
      DURATION_S,
    )

    // --- wallet list latency with 1,000 and 100,000 wallets ---------------------------------------
    // Seeded wallets share one real key per org (key reuse), so every listed wallet has its key row.
    const seed = async (
      orgId: string,
      keyId: string,
      address: string | null,
      from: number,
      to: number,
      base: number,
    ) => {
      const repo = app.walletd.wallets.walletRepository
      for (let start = from; start < to; start += SEED_BATCH) {
        const batch: WalletRecord[] = []
        for (let n = start; n < Math.min(to, start + SEED_BATCH); n++) {
          batch.push({
            id: newId('wallet', base + n * 1000),
            orgId,
            keyId,
            network: 'EthereumSepolia',
            address,
            name: `seed-${n}`,
            status: 'Active',
            externalId: null,
            tags: ['seed'],
            delegatedTo: null,
            delayDelegation: false,
            dateCreated: new Date(base + n * 1000).toISOString(),
            dateDeleted: null,
          })
        }
        await repo.insertMany(batch)
      }
    }
    const base = Date.now() - 200_000_000
    const middleOf = (total: number) =>
      encodePaginationToken(newId('wallet', base + Math.floor(total / 2) * 1000))
    const pages = (c: DfnsApiClient, total: number) => ({
      first: () => c.wallets.listWallets({}),
      middle: () => c.wallets.listWallets({ query: { paginationToken: middleOf(total) } }),
    })

    // Sequential: the org measured at 1,000 wallets, then grown to 100,000 and measured again.
    log('seeding to 1,000 wallets')
    await seed(boot.orgId, evm.signingKey.id, evm.address ?? null, 2, 1_000, base)
    const seq1k = await latency([pages(client, 1_000).first], LIST_SAMPLES)
    log('seeding to 100,000 wallets')
    await seed(boot.orgId, evm.signingKey.id, evm.address ?? null, 1_000, 100_000, base)
    const seq100k = await latency([pages(client, 100_000).first], LIST_SAMPLES)

    // Interleaved: a second org with 1,000 wallets, sampled alternately with the 100,000-wallet org,
    // so that whatever else the machine does at that moment weighs on both alike.
    const small = await app.walletd.auth.bootstrapOrg()
    const smallClient = new DfnsApiClient({
      baseUrl,
      orgId: small.orgId,
      authToken: small.serviceAccount.accessToken,
      signer: new AsymmetricKeySigner({
        credId: small.serviceAccount.credId,
        privateKey: small.serviceAccount.privateKey,
      }),
    })
    const smallWallet = await smallClient.wallets.createWallet({ body: { network: 'EthereumSepolia' } })
    await seed(small.orgId, smallWallet.signingKey.id, smallWallet.address ?? null, 1, 1_000, base)
    const inter = await latency(
      [
        pages(smallClient, 1_000).first,
        pages(client, 100_000).first,
        pages(smallClient, 1_000).middle,
        pages(client, 100_000).middle,
      ],
      LIST_SAMPLES,
    )
    const [with1kFirst, with100kFirst, with1kMiddle, with100kMiddle] = inter as [Lat, Lat, Lat, Lat]
    const ratio = (a: number, b: number) => Math.round((a / b) * 1000) / 1000

    const result = {
      bench: 'wallets',
      dialect,
      node: process.version,
      concurrency: CONCURRENCY,
      durationSeconds: DURATION_S,
      signatures: {
        secp256k1: {
          endToEndPerSecond: Math.round(e2eSecp),
          rawLibraryPerSecond: Math.round(rawSecp),
          ratio: ratio(e2eSecp, rawSecp),
          library: '@noble/curves secp256k1.sign (prehash: false, lowS, recovered)',
        },
        ed25519: {
          endToEndPerSecond: Math.round(e2eEd),
          rawLibraryPerSecond: Math.round(rawEd),
          ratio: ratio(e2eEd, rawEd),
          library: 'node:crypto sign(null, …, Ed25519 key)',
        },
        userActionWriteWithoutSigningPerSecond: Math.round(e2eWrite),
      },
      walletList: {
        pageSize: 50,
        samples: LIST_SAMPLES,
        sequential: { with1k: seq1k[0], with100k: seq100k[0] },
        interleaved: {
          firstPage: { with1k: with1kFirst, with100k: with100kFirst },
          middlePage: { with1k: with1kMiddle, with100k: with100kMiddle },
        },
        p50Ratio: ratio(with100kFirst.p50Ms, with1kFirst.p50Ms),
        p99Ratio: ratio(with100kFirst.p99Ms, with1kFirst.p99Ms),
        target: 'interleaved first page: p50 and p99 with 100k wallets ≤ 1.5× those with 1k',
        met: with100kFirst.p50Ms <= 1.5 * with1kFirst.p50Ms && with100kFirst.p99Ms <= 1.5 * with1kFirst.p99Ms,
      },
    }
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`)
  } finally {
    await app.close()
    await cleanup()
  }
}

await main()
