import { ConfigError } from '../../config.ts'
import { AppError } from '../../errors.ts'
import type { DevChain } from '../dev-chain/supervisor.ts'
import { findNetwork, type NetworkInfo } from '../networks.ts'
import { createEvmRpc, type EvmRpc } from './rpc.ts'

export interface EvmChainEndpoint {
  readonly network: string
  readonly chainId: number
  readonly rpcUrl: string | undefined
  readonly source: 'config' | 'dev-chain'
}

/**
 * Which JSON-RPC endpoint serves each EVM network: configured URLs first (with failover), else the
 * dev chain when it runs that network. A network with neither cannot move value: requests that
 * need the chain are refused before anything is stored.
 */
export interface EvmEndpoints {
  /** The RPC client of a network, or a 400 naming the network when none is configured. */
  rpcFor(network: NetworkInfo): EvmRpc
  has(network: string): boolean
  /** Every EVM network walletd can reach, for `GET /emulator/chains` and the block follower. */
  list(): EvmChainEndpoint[]
  /** The networks served by the dev chain (never in production). */
  readonly devChain: DevChain | undefined
}

export function evmNetwork(name: string, what: string): NetworkInfo & { chainId: number } {
  const network = findNetwork(name)
  if (network?.blockchainKind !== 'Evm') throw new ConfigError(`${what}: ${name} is not an EVM network`)
  if (network.chainId === undefined) throw new ConfigError(`${what}: ${name} has no known chain id`)
  return network as NetworkInfo & { chainId: number }
}

export function createEvmEndpoints(options: {
  rpcUrls: Readonly<Record<string, readonly string[]>>
  devChain?: DevChain
  timeoutMs?: number
}): EvmEndpoints {
  const clients = new Map<string, EvmRpc>()
  for (const [name, urls] of Object.entries(options.rpcUrls)) {
    evmNetwork(name, 'rpc urls')
    clients.set(name, createEvmRpc({ urls: async () => urls }, { timeoutMs: options.timeoutMs }))
  }
  const devChain = options.devChain
  for (const chain of devChain?.networks ?? []) {
    if (clients.has(chain.network)) continue
    clients.set(
      chain.network,
      createEvmRpc(
        { urls: async () => [await devChain!.rpcUrl(chain.network)] },
        { timeoutMs: options.timeoutMs },
      ),
    )
  }
  return {
    rpcFor(network) {
      const client = clients.get(network.name)
      if (!client) {
        throw new AppError(
          'bad_request',
          `walletd has no RPC endpoint for ${network.name}: configure one (WALLETD_RPC_URLS) or run it on the dev chain`,
          { details: { field: 'network', network: network.name } },
        )
      }
      return client
    },
    has: (network) => clients.has(network),
    list() {
      const out: EvmChainEndpoint[] = []
      for (const name of clients.keys()) {
        const info = evmNetwork(name, 'rpc urls')
        const configured = options.rpcUrls[name]
        out.push({
          network: name,
          chainId: info.chainId,
          rpcUrl: configured ? configured[0] : devChain?.currentRpcUrl(name),
          source: configured ? 'config' : 'dev-chain',
        })
      }
      return out
    },
    devChain,
  }
}
