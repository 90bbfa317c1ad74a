import type { EvmEndpoints } from '../../chains/evm/endpoints.ts'
import { estimateEvmFees } from '../../chains/evm/fees.ts'
import { RpcUnavailableError } from '../../chains/evm/rpc.ts'
import { requireNetwork } from '../../chains/networks.ts'
import { AppError } from '../../errors.ts'
import type { FeesView } from './schemas.ts'

export type NetworksService = ReturnType<typeof createNetworksService>

export function createNetworksService(deps: { evm: EvmEndpoints }) {
  return {
    /**
     * EIP-1559 estimates from `eth_feeHistory` (the same the transfers use for `priority`). EVM
     * networks only; Bitcoin-family and Solana estimates are not reproduced (400 naming the network).
     */
    async estimateFees(networkName: string): Promise<FeesView> {
      const network = requireNetwork(networkName, 'network')
      if (network.blockchainKind !== 'Evm') {
        throw new AppError(
          'validation_failed',
          `Fee estimates for ${network.name} are not supported by walletd.`,
          {
            details: { field: 'network', network: network.name },
          },
        )
      }
      let estimate: Awaited<ReturnType<typeof estimateEvmFees>>
      try {
        estimate = await estimateEvmFees(deps.evm.rpcFor(network))
      } catch (err) {
        if (err instanceof RpcUnavailableError) {
          throw new AppError('service_unavailable', `${network.name} cannot be reached right now.`, {
            details: { network: network.name },
            cause: err,
          })
        }
        throw err
      }
      const level = (l: { maxPriorityFeePerGas: bigint; maxFeePerGas: bigint }) => ({
        maxPriorityFeePerGas: l.maxPriorityFeePerGas.toString(),
        maxFeePerGas: l.maxFeePerGas.toString(),
      })
      return {
        kind: 'Eip1559' as const,
        network: network.name,
        blockNumber: estimate.blockNumber,
        slow: level(estimate.slow),
        standard: level(estimate.standard),
        fast: level(estimate.fast),
        baseFeePerGas: estimate.baseFeePerGas.toString(),
      }
    },
  }
}
