/**
 * The networks domain: what walletd tells about the networks themselves (fee estimates, read-only
 * contract calls in call-function.ts). It has no
 * tables; the network registry is src/chains/networks.ts and the endpoints src/chains/evm.
 */
import type { FastifyInstance } from 'fastify'
import type { EvmEndpoints } from '../../chains/evm/endpoints.ts'
import { registerCallFunctionRoute } from './call-function.ts'
import { registerNetworkRoutes } from './routes.ts'
import { createNetworksService, type NetworksService } from './service.ts'

export type { NetworksService } from './service.ts'

export interface NetworksModule {
  readonly service: NetworksService
  registerRoutes(app: FastifyInstance): void
}

export function createNetworksModule(deps: { evm: EvmEndpoints }): NetworksModule {
  const service = createNetworksService(deps)
  return {
    service,
    registerRoutes(app) {
      registerNetworkRoutes(app, service)
      registerCallFunctionRoute(app, deps.evm)
    },
  }
}
