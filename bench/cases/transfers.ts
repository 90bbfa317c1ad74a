import { loadAverage, runBenchScript } from '../lib/processes.ts'
import type { BenchCase } from '../lib/types.ts'

interface Lat {
  p50Ms: number
  p99Ms: number
}
/** What bench/transfers.ts prints. */
interface TransfersResult {
  dialect: string
  transfers: number
  concurrency: number
  failed: number
  walletd: { confirmedPerSecond: number; requestToBroadcasted: Lat }
  viem: { confirmedPerSecond: number; sendToHash: Lat }
}

/**
 * Issue 11: transfers per second from request to Confirmed, and p50/p99 request → Broadcasted, as a
 * ratio to viem sending the same number of pre-signed transfers straight to the same dev chain.
 */
const transfers: BenchCase = {
  name: 'transfers',
  title: 'Transfers end to end on the dev chain vs viem sending pre-signed transactions',
  async run({ log }) {
    const r = await runBenchScript<TransfersResult>('bench/transfers.ts', { log })
    return {
      rows: [
        {
          metric: 'Native transfers, request → Confirmed (baseline: viem pre-signed send → receipt)',
          unit: '/s',
          value: r.walletd.confirmedPerSecond,
          baseline: r.viem.confirmedPerSecond,
        },
        {
          metric: 'request → Broadcasted, p50 (baseline: viem eth_sendRawTransaction → hash)',
          unit: 'ms',
          value: r.walletd.requestToBroadcasted.p50Ms,
          baseline: r.viem.sendToHash.p50Ms,
        },
        {
          metric: 'request → Broadcasted, p99 (baseline: viem eth_sendRawTransaction → hash)',
          unit: 'ms',
          value: r.walletd.requestToBroadcasted.p99Ms,
          baseline: r.viem.sendToHash.p99Ms,
        },
      ],
      notes: [
        `${r.transfers} Native transfers from one EthereumSepolia wallet, ${r.concurrency} in flight, against buildApp listening on ${r.dialect} (temp file) with a fresh Anvil (automine) as its RPC; each request is the SDK's full flow (user action init → sign → POST /wallets/:id/transfers), then followed to Confirmed by polling GET. ${r.failed} did not end Confirmed. The rate runs from the first request to the last \`dateConfirmed\`; request → Broadcasted is \`dateBroadcasted\` minus the moment the client started the request.`,
        `Baseline, same run, same chain: viem signs ${r.transfers} transfers from a local account beforehand (consecutive nonces, not timed), then sends them with eth_sendRawTransaction, ${r.concurrency} in flight, and waits for every receipt. What walletd adds: the user-action round trips, policies, storing the request and its job, estimating gas and fees, taking the nonce and storing the signed bytes in one database transaction, and one executor job per transfer. No numeric target (issue 11).`,
        "Reading it: with 16 requests in flight the API accepts transfers faster than one wallet's executor jobs can sign them (each takes the wallet's nonce row in turn, after estimating gas and fees), so request → Broadcasted measures the backlog of a saturated wallet rather than one transfer's path; the rate is the figure to compare.",
        `Run by \`bench/transfers.ts\` as a child process (standalone: \`node --import tsx bench/transfers.ts\`). Load average after the case: ${loadAverage()}.`,
      ],
    }
  },
}

export default transfers
