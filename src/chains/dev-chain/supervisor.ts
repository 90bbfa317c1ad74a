import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { type AnvilProcess, startAnvil } from './anvil.ts'

export interface DevChainNetwork {
  readonly network: string
  readonly chainId: number
}

export interface DevChainLogger {
  info(obj: object, msg: string): void
  warn(obj: object, msg: string): void
  error(obj: object, msg: string): void
}

export interface DevChain {
  readonly networks: readonly DevChainNetwork[]
  /** Start every chain in the background; returns at once. */
  start(): void
  /** The RPC URL of a network's chain, waiting for it to be up (after a start or a restart). */
  rpcUrl(network: string): Promise<string>
  /** The current URL if the chain is up, without waiting. */
  currentRpcUrl(network: string): string | undefined
  stop(): Promise<void>
}

interface Slot {
  readonly chain: DevChainNetwork
  process?: AnvilProcess
  ready: Promise<string>
  resolveReady: (url: string) => void
}

function pending(slot: Omit<Slot, 'ready' | 'resolveReady'>): Slot {
  let resolveReady!: (url: string) => void
  const ready = new Promise<string>((resolve) => {
    resolveReady = resolve
  })
  return Object.assign(slot, { ready, resolveReady })
}

/**
 * One Anvil per network (each has its own chain id), state kept in `<dataDir>/dev-chain/<network>.json`
 * so a restart of walletd keeps balances and history. A chain that exits while walletd runs is
 * restarted (backoff 0.5 s → 10 s) from its saved state; its port changes, which callers follow
 * through `rpcUrl()`.
 */
export function createDevChain(options: {
  dataDir: string | undefined
  networks: readonly DevChainNetwork[]
  logger?: DevChainLogger
  blockTime?: number
}): DevChain {
  const slots = new Map<string, Slot>(options.networks.map((chain) => [chain.network, pending({ chain })]))
  let stopping = false
  const loops: Promise<void>[] = []

  async function supervise(slot: Slot): Promise<void> {
    let backoff = 500
    while (!stopping) {
      try {
        const proc = await startAnvil({
          chainId: slot.chain.chainId,
          ...(options.dataDir
            ? { stateFile: path.join(options.dataDir, 'dev-chain', `${slot.chain.network}.json`) }
            : {}),
          ...(options.blockTime !== undefined ? { blockTime: options.blockTime } : {}),
        })
        slot.process = proc
        if (stopping) {
          await proc.stop()
          return
        }
        slot.resolveReady(proc.rpcUrl)
        options.logger?.info({ network: slot.chain.network, rpcUrl: proc.rpcUrl }, 'dev chain ready')
        backoff = 500
        await proc.exited
        if (stopping) return
        options.logger?.warn({ network: slot.chain.network }, 'dev chain exited; restarting it')
        Object.assign(slot, pending({ chain: slot.chain }), { process: undefined })
      } catch (err) {
        if (stopping) return
        options.logger?.error({ err, network: slot.chain.network }, 'dev chain failed to start; retrying')
      }
      await sleep(backoff)
      backoff = Math.min(backoff * 2, 10_000)
    }
  }

  return {
    networks: options.networks,
    start() {
      if (loops.length > 0) return
      for (const slot of slots.values()) loops.push(supervise(slot))
    },
    async rpcUrl(network) {
      const slot = slots.get(network)
      if (!slot) throw new Error(`${network} is not on the dev chain`)
      return slot.ready
    },
    currentRpcUrl(network) {
      return slots.get(network)?.process?.rpcUrl
    },
    async stop() {
      stopping = true
      await Promise.all([...slots.values()].map((s) => s.process?.stop()))
      await Promise.all(loops)
    },
  }
}
