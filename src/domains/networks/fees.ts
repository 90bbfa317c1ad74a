import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import type { EvmEndpoints } from '../../chains/evm/endpoints.ts'
import { estimateEvmFees } from '../../chains/evm/fees.ts'
import { RpcUnavailableError } from '../../chains/evm/rpc.ts'
import { requireNetwork } from '../../chains/networks.ts'
import { AppError } from '../../errors.ts'

const Level = Type.Object({ maxPriorityFeePerGas: Type.String(), maxFeePerGas: Type.String() })
const FeesView = Type.Object({
  kind: Type.Literal('Eip1559'),
  network: Type.String(),
  blockNumber: Type.Integer(),
  slow: Level,
  standard: Level,
  fast: Level,
  baseFeePerGas: Type.String(),
})

/**
 * `GET /networks/fees?network=X`: EIP-1559 estimates from `eth_feeHistory` (the same the transfers
 * use for `priority`). EVM networks only; Bitcoin-family and Solana estimates are not reproduced
 * (400 naming the network).
 */
export function registerFeeRoutes(fastify: FastifyInstance, evm: EvmEndpoints): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  app.get(
    '/networks/fees',
    {
      schema: {
        tags: ['networks'],
        querystring: Type.Object({ network: Type.String({ minLength: 1, maxLength: 64 }) }),
        response: { 200: FeesView },
      },
    },
    async (request) => {
      const network = requireNetwork(request.query.network, 'network')
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
        estimate = await estimateEvmFees(evm.rpcFor(network))
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
  )
}
