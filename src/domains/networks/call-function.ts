import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import { type AbiFunction, type AbiParameter, decodeFunctionResult, encodeFunctionData, type Hex } from 'viem'
import { validateEvmAddress } from '../../chains/evm/address.ts'
import type { EvmEndpoints } from '../../chains/evm/endpoints.ts'
import { RpcResponseError, RpcUnavailableError } from '../../chains/evm/rpc.ts'
import { requireNetworkByKebabName } from '../../chains/networks.ts'
import { AppError, invalidField } from '../../errors.ts'

const Param: ReturnType<typeof Type.Object> = Type.Object({
  name: Type.String({ maxLength: 128 }),
  type: Type.String({ minLength: 1, maxLength: 128 }),
  // Tuple members: the SDK types them loosely; each is checked when the ABI is used.
  components: Type.Optional(Type.Array(Type.Unknown(), { maxItems: 64 })),
})

const CallFunctionBody = Type.Object({
  contract: Type.String({ minLength: 1, maxLength: 128 }),
  abi: Type.Object({
    type: Type.String({ maxLength: 32 }),
    name: Type.String({ minLength: 1, maxLength: 256 }),
    stateMutability: Type.String({ maxLength: 32 }),
    inputs: Type.Array(Param, { maxItems: 64 }),
    outputs: Type.Array(Param, { maxItems: 64 }),
  }),
  calldata: Type.Optional(
    Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Array(Type.Unknown())]),
  ),
})

const invalid = (field: string, message: string) => invalidField(field, `${field} ${message}`)

/** JSON-safe values: integers as decimal strings (they exceed 2^53), tuples as objects when named. */
function toJson(value: unknown, param?: AbiParameter): unknown {
  if (typeof value === 'bigint') return value.toString()
  if (Array.isArray(value)) {
    const components = (param as { components?: readonly AbiParameter[] } | undefined)?.components
    if (components && param?.type.startsWith('tuple') && !param.type.endsWith(']')) {
      return namedOf(value, components)
    }
    const inner = param ? ({ ...param, type: param.type.replace(/\[\d*\]$/, '') } as AbiParameter) : undefined
    return value.map((v) => toJson(v, inner))
  }
  if (value && typeof value === 'object') {
    const components = (param as { components?: readonly AbiParameter[] } | undefined)?.components ?? []
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [
        k,
        toJson(
          v,
          components.find((c) => c.name === k),
        ),
      ]),
    )
  }
  return value
}

function namedOf(values: readonly unknown[], params: readonly AbiParameter[]): Record<string, unknown> {
  return Object.fromEntries(params.map((p, i) => [p.name || String(i), toJson(values[i], p)]))
}

/** Integers arrive as decimal strings or numbers; viem wants bigints. Other types pass as given. */
function fromJson(value: unknown, param: AbiParameter, field: string): unknown {
  const { type } = param
  if (/\[\d*\]$/.test(type)) {
    if (!Array.isArray(value)) throw invalid(field, `must be an array (${type})`)
    const inner = { ...param, type: type.replace(/\[\d*\]$/, '') } as AbiParameter
    return value.map((v, i) => fromJson(v, inner, `${field}.${i}`))
  }
  if (/^u?int\d*$/.test(type)) {
    if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value)
    if (typeof value === 'string' && /^-?(0|[1-9][0-9]{0,77})$/.test(value)) return BigInt(value)
    throw invalid(field, `must be an integer (${type}) as a decimal string`)
  }
  if (type === 'tuple') {
    const components = (param as { components?: readonly AbiParameter[] }).components ?? []
    if (!value || typeof value !== 'object') throw invalid(field, 'must be an object (tuple)')
    return components.map((c, i) =>
      fromJson(
        Array.isArray(value) ? value[i] : (value as Record<string, unknown>)[c.name ?? ''],
        c,
        `${field}.${c.name || i}`,
      ),
    )
  }
  return value
}

/**
 * `POST /networks/:network/call-function` (`:network` kebab-case): a read-only `eth_call` of one
 * `view`/`pure` function. `calldata` holds the arguments by input name (or an array in order);
 * integers are decimal strings. The answer is the decoded outputs by output name (the index when
 * unnamed), integers as decimal strings.
 */
export function registerCallFunctionRoute(fastify: FastifyInstance, evm: EvmEndpoints): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  app.post(
    '/networks/:network/call-function',
    {
      schema: {
        tags: ['networks'],
        params: Type.Object({ network: Type.String({ minLength: 1, maxLength: 64 }) }),
        body: CallFunctionBody,
        response: { 200: Type.Record(Type.String(), Type.Unknown()) },
      },
    },
    async (request) => {
      const network = requireNetworkByKebabName(request.params.network, 'network')
      if (network.blockchainKind !== 'Evm') {
        throw invalid('network', `is not an EVM network; walletd calls functions on EVM networks only`)
      }
      const { body } = request
      let contract: Hex
      try {
        contract = validateEvmAddress(body.contract) as Hex
      } catch (err) {
        throw invalid('contract', `is not a valid EVM address: it ${(err as Error).message}`)
      }
      if (body.abi.type !== 'function') throw invalid('abi.type', 'must be "function"')
      if (body.abi.stateMutability !== 'view' && body.abi.stateMutability !== 'pure') {
        throw invalid('abi.stateMutability', 'must be view or pure: only read-only functions are called')
      }
      const abi = { ...body.abi, type: 'function' } as unknown as AbiFunction
      const given = body.calldata ?? {}
      const args = abi.inputs.map((input, i) => {
        const field = `calldata.${input.name || i}`
        const value = Array.isArray(given) ? given[i] : (given as Record<string, unknown>)[input.name ?? '']
        if (value === undefined) throw invalid(field, 'is required')
        return fromJson(value, input, field)
      })
      let data: Hex
      try {
        data = encodeFunctionData({ abi: [abi], functionName: abi.name, args })
      } catch (err) {
        throw invalid(
          'calldata',
          `does not fit the function's inputs: ${(err as Error).message.split('\n')[0]}`,
        )
      }
      const rpc = evm.rpcFor(network)
      let result: Hex
      try {
        result = await rpc.request<Hex>('eth_call', [{ to: contract, data }, 'latest'])
      } catch (err) {
        if (err instanceof RpcUnavailableError) {
          throw new AppError('service_unavailable', `${network.name} cannot be reached right now.`, {
            details: { network: network.name },
            cause: err,
          })
        }
        if (err instanceof RpcResponseError) throw invalid('calldata', `made the call revert: ${err.message}`)
        throw err
      }
      if (result === '0x' && abi.outputs.length > 0) {
        throw invalid('contract', 'returned nothing: is there a contract with this function at this address?')
      }
      let decoded: unknown
      try {
        decoded = decodeFunctionResult({ abi: [abi], functionName: abi.name, data: result })
      } catch (err) {
        throw invalid(
          'abi.outputs',
          `do not match what the contract returned: ${(err as Error).message.split('\n')[0]}`,
        )
      }
      const values = abi.outputs.length === 1 ? [decoded] : (decoded as readonly unknown[])
      return namedOf(values ?? [], abi.outputs)
    },
  )
}
