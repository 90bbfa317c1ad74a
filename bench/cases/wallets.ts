import { loadAverage, runBenchScript } from '../lib/processes.ts'
import type { BenchCase, ResultRow } from '../lib/types.ts'

interface Signing {
  endToEndPerSecond: number
  rawLibraryPerSecond: number
  library: string
}
interface Lat {
  p50Ms: number
  p99Ms: number
}
/** What bench/wallets.ts prints. */
interface WalletsResult {
  dialect: string
  concurrency: number
  signatures: { secp256k1: Signing; ed25519: Signing; userActionWriteWithoutSigningPerSecond: number }
  walletList: {
    pageSize: number
    samples: number
    sequential: { with1k: Lat; with100k: Lat }
    interleaved: { firstPage: { with1k: Lat; with100k: Lat }; middlePage: { with1k: Lat; with100k: Lat } }
  }
}

const listRows = (page: string, { with1k, with100k }: { with1k: Lat; with100k: Lat }): ResultRow[] =>
  (['p50Ms', 'p99Ms'] as const).map((p) => ({
    metric: `GET /wallets ${page}, ${p.slice(0, 3)}, 100,000 wallets (baseline: 1,000)`,
    unit: 'ms',
    value: with100k[p],
    baseline: with1k[p],
    target: '≤ 1.5× (150 %) of 1,000',
    met: with100k[p] <= 1.5 * with1k[p],
  }))

/**
 * Issue 5: end-to-end signatures per second against the raw signing rate of the same library, and
 * the wallet list's latency with 1,000 vs 100,000 wallets.
 */
const wallets: BenchCase = {
  name: 'wallets',
  title: 'Signatures end to end vs the raw library, and GET /wallets with 1,000 vs 100,000 wallets',
  async run({ durationSeconds, log }) {
    const r = await runBenchScript<WalletsResult>('bench/wallets.ts', {
      env: { BENCH_DURATION: String(durationSeconds) },
      log,
    })
    const { secp256k1, ed25519 } = r.signatures
    const list = r.walletList
    return {
      rows: [
        {
          metric: 'secp256k1 signatures end to end (baseline: raw library)',
          unit: '/s',
          value: secp256k1.endToEndPerSecond,
          baseline: secp256k1.rawLibraryPerSecond,
        },
        {
          metric: 'ed25519 signatures end to end (baseline: raw library)',
          unit: '/s',
          value: ed25519.endToEndPerSecond,
          baseline: ed25519.rawLibraryPerSecond,
        },
        {
          metric: 'signed write that signs nothing (PUT tags; same SDK flow, for context)',
          unit: '/s',
          value: r.signatures.userActionWriteWithoutSigningPerSecond,
        },
        ...listRows('first page', list.interleaved.firstPage),
        ...listRows('page half-way down', list.interleaved.middlePage),
      ],
      notes: [
        `Signatures: the official SDK with AsymmetricKeySigner against buildApp listening on ${r.dialect} (temp file), its full flow (user action init → sign → action → POST /wallets/:id/signatures), ${r.concurrency} in flight for ${durationSeconds} s; an EthereumSepolia wallet signing a Hash and a Solana wallet signing a Message. The raw rate is one thread of ${secp256k1.library} and ${ed25519.library}, measured just before in the same process. Issue 5 sets no target for this ratio.`,
        `Wallet list: ${list.samples} sequential samples of each page (${list.pageSize} wallets per page, the half-way page by cursor), a 1,000-wallet org and the 100,000-wallet org sampled round-robin so machine noise weighs on both alike; wallets seeded straight through the repository. Sequentially (one org measured at 1,000, then grown to 100,000), the first page was p50 ${list.sequential.with1k.p50Ms} → ${list.sequential.with100k.p50Ms} ms, p99 ${list.sequential.with1k.p99Ms} → ${list.sequential.with100k.p99Ms} ms.`,
        `Run by \`bench/wallets.ts\` as a child process (standalone: \`node --import tsx bench/wallets.ts\`). Load average after the case: ${loadAverage()}.`,
      ],
    }
  },
}

export default wallets
