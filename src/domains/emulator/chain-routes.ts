import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { validateEvmAddress } from '../../chains/evm/address.ts'
import type { EvmEndpoints } from '../../chains/evm/endpoints.ts'
import { RpcResponseError, RpcUnavailableError } from '../../chains/evm/rpc.ts'
import { findNetwork } from '../../chains/networks.ts'
import { AppError } from '../../errors.ts'
import type { EmulatorRoutes } from './mount.ts'

const ChainView = Type.Object({ network: Type.String(), chainId: Type.Integer(), rpcUrl: Type.String() })
const FaucetBody = Type.Object({
  network: Type.String({ minLength: 1, maxLength: 64 }),
  address: Type.String({ minLength: 1, maxLength: 128 }),
  /** Minimum units (wei), as a decimal string. */
  amount: Type.String({ minLength: 1, maxLength: 78, pattern: '^[1-9][0-9]*$' }),
})

const invalid = (field: string, message: string) =>
  new AppError('validation_failed', `${field} ${message}`, { details: { field } })

/**
 * `GET /emulator/chains` (every EVM network walletd reaches, so tests and viem can talk to the chain
 * directly) and `POST /emulator/faucet` (a real transaction from the dev chain's first funded
 * account, answered once mined). A network whose node has no unlocked account (a real RPC) has no
 * faucet: 400 naming `network`.
 */
export function registerChainRoutes(evm: EvmEndpoints): EmulatorRoutes {
  return (scope) => {
    const app = scope.withTypeProvider<TypeBoxTypeProvider>()
    app.get('/chains', { schema: { hide: true, response: { 200: Type.Array(ChainView) } } }, async () => {
      const chains = evm.list()
      return Promise.all(
        chains.map(async (c) => ({
          network: c.network,
          chainId: c.chainId,
          rpcUrl: c.rpcUrl ?? (await evm.devChain!.rpcUrl(c.network)),
        })),
      )
    })
    app.post(
      '/faucet',
      {
        schema: {
          hide: true,
          body: FaucetBody,
          response: { 200: Type.Object({ network: Type.String(), txHash: Type.String() }) },
        },
      },
      async (request) => {
        const { network: name, address, amount } = request.body
        const network = findNetwork(name)
        if (!network || !evm.has(name))
          throw invalid('network', `${name} is not an EVM network walletd reaches`)
        let to: string
        try {
          to = validateEvmAddress(address)
        } catch (err) {
          throw invalid('address', `is not a valid EVM address: it ${(err as Error).message}`)
        }
        const rpc = evm.rpcFor(network)
        try {
          const accounts = await rpc.request<string[]>('eth_accounts')
          if (!accounts[0])
            throw invalid('network', `${name} has no faucet: its node holds no funded account`)
          const txHash = await rpc.request<string>('eth_sendTransaction', [
            { from: accounts[0], to, value: `0x${BigInt(amount).toString(16)}` },
          ])
          // Mined before answering: poll the receipt (a dev chain mines at once unless mining is paused).
          for (let i = 0; i < 200; i++) {
            if (await rpc.request('eth_getTransactionReceipt', [txHash])) return { network: name, txHash }
            await new Promise((r) => setTimeout(r, 50))
          }
          throw new AppError('service_unavailable', `the faucet transaction ${txHash} was not mined in time`)
        } catch (err) {
          if (err instanceof RpcResponseError)
            throw invalid('amount', `was refused by the chain: ${err.message}`)
          if (err instanceof RpcUnavailableError) {
            throw new AppError('service_unavailable', `${name} cannot be reached right now`, { cause: err })
          }
          throw err
        }
      },
    )
  }
}
