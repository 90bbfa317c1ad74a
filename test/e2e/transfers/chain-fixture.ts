import assert from 'node:assert/strict'
import type { DfnsError } from '@dfns/sdk'
import { type Hex, parseEther } from 'viem'
import { type AnvilProcess, startAnvil } from '../../../src/chains/dev-chain/anvil.ts'
import { createEvmRpc, type EvmRpc } from '../../../src/chains/evm/rpc.ts'
import { startWalletd, type Walletd } from '../../helpers/sdk.ts'

/** Anvil's first dev account: unlocked, funded; deploys the test tokens. */
export const DEPLOYER = '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266'
const FINAL = new Set(['Confirmed', 'Failed', 'Rejected'])

export type Wallet = Awaited<ReturnType<Walletd['root']['wallets']['createWallet']>>
type Request = { status: string; reason?: string; txHash?: string }

export const failsWith = (status: number, field?: string) => (err: DfnsError) => {
  const body = (err.context as { body?: { error?: { details?: Record<string, unknown> } } })?.body
  assert.equal(err.httpStatus, status, `${err.httpStatus} ${JSON.stringify(body)}`)
  if (field !== undefined) assert.equal(body?.error?.details?.field, field, JSON.stringify(body))
  return true
}

export const newAddress = () =>
  `0x${Buffer.from(crypto.getRandomValues(new Uint8Array(20))).toString('hex')}` as Hex

/** A walletd in-process on its own Anvil (Sepolia), priced ETH=2000, and the chain helpers. */
export async function chainFixture() {
  const anvil: AnvilProcess = await startAnvil({ chainId: 11155111 })
  const rpc: EvmRpc = createEvmRpc({ urls: async () => [anvil.rpcUrl] })
  const w = await startWalletd({
    config: { rpcUrls: `EthereumSepolia=${anvil.rpcUrl}`, prices: 'ETH=2000', devChain: 'false' },
  })
  const fixture = {
    anvil,
    rpc,
    w,
    async close() {
      await w.close()
      await anvil.stop()
    },
    async fundedWallet(ether = '10'): Promise<Wallet> {
      const wallet = await w.root.wallets.createWallet({ body: { network: 'EthereumSepolia' } })
      await rpc.request('anvil_setBalance', [wallet.address, `0x${parseEther(ether).toString(16)}`])
      return wallet
    },
    /**
     * Polls `get` until the request is final (the executor job runs in the background). `tick`
     * moves the test clock on, for requests whose receipt is polled (a block not mined at once).
     */
    async settled<T extends Request>(get: () => Promise<T>, tick?: () => Promise<void>): Promise<T> {
      return fixture.reached(get, 'final', tick)
    },
    /** Polls until the request reached `status` (or a final one). */
    async reached<T extends Request>(
      get: () => Promise<T>,
      status: string,
      tick?: () => Promise<void>,
    ): Promise<T> {
      for (let i = 1; ; i++) {
        const request = await get()
        if (request.status === status || FINAL.has(request.status)) return request
        // Without a tick, the clock still moves now and then: a job retried with backoff (an RPC
        // slow to answer on a loaded machine) is due on the test clock, not the wall clock.
        if (tick) await tick()
        else if (i % 50 === 0) await fixture.tick()
        await new Promise((r) => setTimeout(r, 20))
      }
    },
    /** Moves the test clock past the executor's receipt poll and runs what became due. */
    async tick(): Promise<void> {
      w.clock.advance(1_100)
      await w.app.walletd.jobs.runDueJobs()
    },
    balanceOf: async (address: string) =>
      BigInt(await rpc.request<string>('eth_getBalance', [address, 'latest'])),
    nonceOf: async (address: string, tag = 'latest') =>
      Number(BigInt(await rpc.request<string>('eth_getTransactionCount', [address, tag]))),
    async sendAsDeployer(tx: { to?: Hex; data: Hex }): Promise<{ contractAddress: Hex }> {
      const hash = await rpc.request<Hex>('eth_sendTransaction', [{ from: DEPLOYER, ...tx }])
      // Automine mines at once, but the receipt can show a moment after the hash on a loaded machine.
      let receipt: { status: string; contractAddress: Hex } | null = null
      while (!receipt) {
        receipt = await rpc.request('eth_getTransactionReceipt', [hash])
        if (!receipt) await new Promise((r) => setTimeout(r, 10))
      }
      assert.equal(receipt.status, '0x1')
      return receipt
    },
  }
  return fixture
}
export type ChainFixture = Awaited<ReturnType<typeof chainFixture>>
