import assert from 'node:assert/strict'
import { execFileSync, spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { anvilBinary } from '../../../src/chains/dev-chain/anvil.ts'
import { createDevChain, type DevChain } from '../../../src/chains/dev-chain/supervisor.ts'
import { createEvmEndpoints } from '../../../src/chains/evm/endpoints.ts'
import { bumpedFee, estimateEvmFees } from '../../../src/chains/evm/fees.ts'
import { createEvmRpc, RpcResponseError, RpcUnavailableError } from '../../../src/chains/evm/rpc.ts'
import { requireNetwork } from '../../../src/chains/networks.ts'

const OTHER = '0x000000000000000000000000000000000000dEaD'

function childrenOf(pid: number): number[] {
  try {
    return execFileSync('pgrep', ['-P', String(pid)])
      .toString()
      .trim()
      .split('\n')
      .filter(Boolean)
      .map(Number)
  } catch {
    return []
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

describe('dev chain (Anvil supervised by walletd)', () => {
  let dir: string
  let chain: DevChain
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'walletd-devchain-'))
    chain = createDevChain({ dataDir: dir, networks: [{ network: 'EthereumSepolia', chainId: 11155111 }] })
    chain.start()
  })
  after(async () => {
    await chain.stop()
    fs.rmSync(dir, { recursive: true, force: true })
  })

  it('impersonates EthereumSepolia (chain id 11155111) and estimates fees from eth_feeHistory', async () => {
    const endpoints = createEvmEndpoints({ rpcUrls: {}, devChain: chain })
    const rpc = endpoints.rpcFor(requireNetwork('EthereumSepolia'))
    assert.equal(await rpc.request('eth_chainId'), '0xaa36a7')
    const fees = await estimateEvmFees(rpc)
    assert.ok(fees.baseFeePerGas > 0n)
    assert.ok(fees.slow.maxPriorityFeePerGas <= fees.standard.maxPriorityFeePerGas)
    assert.ok(fees.standard.maxPriorityFeePerGas <= fees.fast.maxPriorityFeePerGas)
    assert.ok(fees.fast.maxFeePerGas >= fees.baseFeePerGas + fees.fast.maxPriorityFeePerGas)
    const bumped = bumpedFee(fees.standard, fees.slow)
    assert.ok(bumped.maxFeePerGas * 10n >= fees.standard.maxFeePerGas * 11n)
    assert.ok(bumped.maxPriorityFeePerGas * 10n >= fees.standard.maxPriorityFeePerGas * 11n)
    assert.deepEqual(
      endpoints.list().map(({ network, chainId, source }) => ({ network, chainId, source })),
      [{ network: 'EthereumSepolia', chainId: 11155111, source: 'dev-chain' }],
    )
  })

  it('restarts a crashed chain (kill -9) on a new port', async () => {
    const url = await chain.rpcUrl('EthereumSepolia')
    // Our Anvil is the one whose command line names this test's data directory.
    const ours = execFileSync('pgrep', ['-f', 'anvil'])
      .toString()
      .trim()
      .split('\n')
      .map(Number)
      .filter((pid) => {
        try {
          const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8')
          return cmd.startsWith(anvilBinary()) && cmd.includes(dir)
        } catch {
          return false
        }
      })
    assert.equal(ours.length, 1)
    process.kill(ours[0] as number, 'SIGKILL')
    let next = await chain.rpcUrl('EthereumSepolia')
    while (next === url) {
      await new Promise((r) => setTimeout(r, 50))
      next = await chain.rpcUrl('EthereumSepolia')
    }
    const rpc = createEvmRpc({ urls: async () => [next] })
    assert.equal(await rpc.request('eth_chainId'), '0xaa36a7')
  })

  it('keeps balances across a stop and a start (state in the data dir)', async () => {
    const rpc = createEvmRpc({ urls: async () => [await chain.rpcUrl('EthereumSepolia')] })
    await rpc.request('anvil_setBalance', [OTHER, '0x1234'])
    await chain.stop()
    chain = createDevChain({ dataDir: dir, networks: [{ network: 'EthereumSepolia', chainId: 11155111 }] })
    chain.start()
    assert.equal(await rpc.request('eth_getBalance', [OTHER, 'latest']), '0x1234')
  })

  it('fails over to the next URL when one is down, and reports a chain refusal as such', async () => {
    const url = await chain.rpcUrl('EthereumSepolia')
    const rpc = createEvmRpc({ urls: async () => ['http://127.0.0.1:1', url] }, { timeoutMs: 2000 })
    assert.equal(await rpc.request('eth_chainId'), '0xaa36a7')
    await assert.rejects(rpc.request('eth_sendRawTransaction', ['0x00']), RpcResponseError)
    const down = createEvmRpc({ urls: async () => ['http://127.0.0.1:1'] }, { timeoutMs: 2000 })
    await assert.rejects(down.request('eth_chainId'), RpcUnavailableError)
  })
})

describe('the Anvil guard', () => {
  it('stops Anvil when walletd is killed with -9', async () => {
    // A throwaway node process that starts a dev chain, prints the guard pid, and waits.
    const script = `
      import { startAnvil } from ${JSON.stringify(path.resolve('src/chains/dev-chain/anvil.ts'))}
      const a = await startAnvil({ chainId: 31337 })
      console.log(JSON.stringify({ guard: a.child.pid, url: a.rpcUrl }))
      setInterval(() => {}, 1000)
    `
    const node = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    const line = await new Promise<string>((resolve) => node.stdout.once('data', (d) => resolve(String(d))))
    const { guard } = JSON.parse(line) as { guard: number }
    const [anvil] = childrenOf(guard).filter((pid) => {
      try {
        return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('anvil')
      } catch {
        return false
      }
    })
    assert.ok(anvil && alive(anvil))
    node.kill('SIGKILL')
    while (alive(anvil)) await new Promise((r) => setTimeout(r, 50))
    assert.equal(alive(anvil), false)
  })
})
