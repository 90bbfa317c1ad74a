import type { EvmEndpoints } from '../../../chains/evm/endpoints.ts'
import { findNetwork } from '../../../chains/networks.ts'

/** The dev chain's state per network, as Anvil dumps it (hex of its JSON state: accounts, blocks). */
export type ChainDumps = Record<string, string>

/** The networks run by the dev chain: the only ones walletd can save and rewind. */
function devChainNetworks(evm: EvmEndpoints) {
  return evm
    .list()
    .filter((c) => c.source === 'dev-chain')
    .map((c) => findNetwork(c.network)!)
}

/** `anvil_dumpState` of every dev-chain network. */
export async function dumpChains(evm: EvmEndpoints): Promise<ChainDumps> {
  const out: ChainDumps = {}
  for (const network of devChainNetworks(evm)) {
    out[network.name] = await evm.rpcFor(network).request<string>('anvil_dumpState')
  }
  return out
}

/**
 * Every dev-chain network back to a dump: `anvil_reset` (a fresh chain from genesis, same chain id
 * and funded accounts) then `anvil_loadState` (accounts, balances, nonces, code, storage and blocks
 * of the dump). Unlike `evm_revert`, this never invalidates other snapshots, so any named snapshot
 * can be restored in any order. A network without a dump (the empty state) stays at genesis.
 */
export async function restoreChains(evm: EvmEndpoints, dumps: ChainDumps | undefined): Promise<void> {
  for (const network of devChainNetworks(evm)) {
    const rpc = evm.rpcFor(network)
    await rpc.request('anvil_reset', [])
    const dump = dumps?.[network.name]
    if (dump) await rpc.request('anvil_loadState', [dump])
  }
}
