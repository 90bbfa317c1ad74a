// Transfers end to end on a real dev chain (Anvil, automine), in one run:
//   - walletd: N Native transfers from one wallet through the official SDK (user action init → sign
//     → POST /wallets/:id/transfers), CONCURRENCY in flight; each is then followed to Confirmed.
//     Measured: transfers/s from the first request to the last `dateConfirmed`, and each transfer's
//     request → `dateBroadcasted` (p50/p99);
//   - baseline: viem sending the same number of transfers, signed beforehand by a local account
//     (consecutive nonces), straight to the same chain with eth_sendRawTransaction, CONCURRENCY in
//     flight; measured: transfers/s from the first send to the last receipt, and send → hash
//     (p50/p99).
//
// `node --import tsx bench/transfers.ts` (SQLite in a temp file) or with DATABASE_URL=postgres://…
// Prints one JSON object on stdout; progress on stderr.
// Env: BENCH_TRANSFERS (200), BENCH_CONCURRENCY (16).

import { randomBytes } from 'node:crypto'
import { type Hex, parseEther } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { startAnvil } from '../src/chains/dev-chain/anvil.ts'
import { createEvmRpc } from '../src/chains/evm/rpc.ts'
import { startInProcessWalletd } from './lib/in-process.ts'
import { percentile } from './lib/types.ts'

const N = Number(process.env.BENCH_TRANSFERS ?? 200)
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16)
const log = (message: string) => process.stderr.write(`${message}\n`)
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const round = (n: number) => Math.round(n * 100) / 100

/** Runs `work(i)` for i in 0..n-1 with `CONCURRENCY` in flight. */
async function pool(n: number, work: (i: number) => Promise<void>): Promise<void> {
  let next = 0
  await Promise.all(
    Array.from({ length: Math.min(CONCURRENCY, n) }, async () => {
      while (next < n) await work(next++)
    }),
  )
}

function lat(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b)
  return { p50Ms: round(percentile(sorted, 0.5)), p99Ms: round(percentile(sorted, 0.99)) }
}

async function main() {
  const anvil = await startAnvil({ chainId: 11155111 })
  const rpc = createEvmRpc({ urls: async () => [anvil.rpcUrl] })
  const walletd = await startInProcessWalletd('transfers', {
    rpcUrls: `EthereumSepolia=${anvil.rpcUrl}`,
    devChain: 'false',
  })
  const { client, dialect } = walletd
  try {
    const to = `0x${randomBytes(20).toString('hex')}` as Hex
    const fund = (address: string) =>
      rpc.request('anvil_setBalance', [address, `0x${parseEther('1000').toString(16)}`])

    // --- baseline: viem, pre-signed, straight to the chain ------------------------------------------
    log(`baseline: ${N} pre-signed transfers sent by viem, ${CONCURRENCY} in flight`)
    const account = privateKeyToAccount(generatePrivateKey())
    await fund(account.address)
    const fees = { maxFeePerGas: 20_000_000_000n, maxPriorityFeePerGas: 1_000_000_000n }
    const signed = await Promise.all(
      Array.from({ length: N }, (_, nonce) =>
        account.signTransaction({
          chainId: 11155111,
          type: 'eip1559',
          nonce,
          to,
          value: 1n,
          gas: 21_000n,
          ...fees,
        }),
      ),
    )
    const sendLatency: number[] = []
    const hashes: Hex[] = []
    const baselineStart = performance.now()
    // In nonce order per worker slot, as a client holding pre-signed transactions would send them.
    await pool(N, async (i) => {
      const t0 = performance.now()
      hashes[i] = await rpc.request<Hex>('eth_sendRawTransaction', [signed[i]])
      sendLatency.push(performance.now() - t0)
    })
    for (const hash of hashes) {
      while (!(await rpc.request('eth_getTransactionReceipt', [hash]))) await sleep(5)
    }
    const baselineSeconds = (performance.now() - baselineStart) / 1000

    // --- walletd: SDK request → Confirmed ---------------------------------------------------------
    log(`walletd: ${N} Native transfers through the SDK, ${CONCURRENCY} in flight, followed to Confirmed`)
    const wallet = await client.wallets.createWallet({ body: { network: 'EthereumSepolia' } })
    await fund(wallet.address!)
    // Warm-up: one transfer (JIT, first nonce row, first fee estimate).
    const warm = await client.wallets.transferAsset({
      walletId: wallet.id,
      body: { kind: 'Native', to, amount: '1' },
    })
    while (
      (await client.wallets.getTransfer({ walletId: wallet.id, transferId: warm.id })).status !== 'Confirmed'
    )
      await sleep(20)
    const started: number[] = []
    const ids: string[] = []
    const walletdStart = Date.now()
    await pool(N, async (i) => {
      started[i] = Date.now()
      ids[i] = (
        await client.wallets.transferAsset({ walletId: wallet.id, body: { kind: 'Native', to, amount: '1' } })
      ).id
    })
    const broadcastLatency: number[] = []
    let lastConfirmed = 0
    let failed = 0
    for (const [i, transferId] of ids.entries()) {
      for (;;) {
        const t = await client.wallets.getTransfer({ walletId: wallet.id, transferId })
        if (t.status === 'Confirmed' || t.status === 'Failed' || t.status === 'Rejected') {
          if (t.status !== 'Confirmed') failed++
          else {
            broadcastLatency.push(Date.parse(t.dateBroadcasted!) - started[i]!)
            lastConfirmed = Math.max(lastConfirmed, Date.parse(t.dateConfirmed!))
          }
          break
        }
        await sleep(20)
      }
    }
    const walletdSeconds = (lastConfirmed - walletdStart) / 1000
    const result = {
      dialect,
      transfers: N,
      concurrency: CONCURRENCY,
      failed,
      walletd: {
        confirmedPerSecond: round(N / walletdSeconds),
        requestToBroadcasted: lat(broadcastLatency),
      },
      viem: {
        confirmedPerSecond: round(N / baselineSeconds),
        sendToHash: lat(sendLatency),
      },
    }
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`)
  } finally {
    await walletd.close()
    await anvil.stop()
  }
}

await main()
