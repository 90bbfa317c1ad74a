import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createPublicClient, createWalletClient, getAddress, type Hex, http } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { type AnvilProcess, startAnvil } from '../../../src/chains/dev-chain/anvil.ts'
import { ChainMoved, headNumber, scanBlocks } from '../../../src/chains/evm/follower-scan.ts'
import { createEvmRpc, type EvmRpc } from '../../../src/chains/evm/rpc.ts'
import { erc20Bytecode, mintAbi } from '../../helpers/evm-tokens.ts'

const account = privateKeyToAccount('0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80')
const random = () =>
  getAddress(`0x${Buffer.from(crypto.getRandomValues(new Uint8Array(20))).toString('hex')}`)

/** One scan step against a real chain: what it keeps, whichever way it asks for the logs. */
describe('scanning blocks for the watched addresses', () => {
  let anvil: AnvilProcess
  let rpc: EvmRpc
  before(async () => {
    anvil = await startAnvil({ chainId: 31337 })
    rpc = createEvmRpc({ urls: async () => [anvil.rpcUrl] })
  })
  after(() => anvil?.stop())

  it('keeps the transfers touching a watched address, filtered by the node or here alike', async () => {
    const chain = {
      id: 31337,
      name: 'dev',
      nativeCurrency: { name: 'E', symbol: 'ETH', decimals: 18 },
      rpcUrls: { default: { http: [anvil.rpcUrl] } },
    }
    const sender = createWalletClient({ account, chain, transport: http(anvil.rpcUrl) })
    const from = (await headNumber(rpc)) + 1
    const deployed = await sender.deployContract({ abi: [], bytecode: erc20Bytecode })
    // Automine mines at once, but on a loaded machine the receipt can show a moment after the hash.
    const receipt = await createPublicClient({
      chain,
      transport: http(anvil.rpcUrl),
    }).waitForTransactionReceipt({
      hash: deployed,
    })
    const token = getAddress(receipt.contractAddress!)
    const [watchedA, watchedB, other] = [random(), random(), random()]
    const mint = (to: Hex, value: bigint) =>
      sender.writeContract({ address: token, abi: mintAbi, functionName: 'mint', args: [to, value] })
    await mint(watchedA, 10n)
    await mint(other, 20n)
    await sender.sendTransaction({ to: watchedB, value: 30n })
    await sender.sendTransaction({ to: other, value: 40n })
    const to = await headNumber(rpc)
    const watched = new Set([watchedA.toLowerCase(), watchedB.toLowerCase()])
    const summary = (r: Awaited<ReturnType<typeof scanBlocks>>) =>
      r.transfers.map((t) => [t.kind, t.to, 'value' in t ? t.value : undefined]).sort()
    const byNode = await scanBlocks(rpc, { from, to, expectedParent: undefined, watched })
    const here = await scanBlocks(rpc, {
      from,
      to,
      expectedParent: undefined,
      watched,
      maxFilteredAddresses: 0,
    })
    assert.deepEqual(summary(byNode), [
      ['Erc20Transfer', watchedA, 10n],
      ['NativeTransfer', watchedB, 30n],
    ])
    assert.deepEqual(summary(here), summary(byNode))
    assert.equal(byNode.blocks.length, to - from + 1)

    // A parent that is not the block scanned before: the chain moved under the scan.
    await assert.rejects(
      scanBlocks(rpc, { from, to, expectedParent: `0x${'00'.repeat(32)}`, watched }),
      ChainMoved,
    )
  })
})
