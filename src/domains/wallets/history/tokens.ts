import { erc20Abi, erc721Abi, type Hex } from 'viem'
import type { EvmRpc } from '../../../chains/evm/rpc.ts'
import { RpcUnavailableError } from '../../../chains/evm/rpc.ts'

export interface TokenFacts {
  readonly symbol?: string
  readonly decimals?: number
}

/** True when `err` (or an error it wraps, as viem does) says the RPC could not be reached. */
export function isUnavailable(err: unknown): boolean {
  for (let e = err; e instanceof Error; e = (e as { cause?: unknown }).cause) {
    if (e instanceof RpcUnavailableError) return true
  }
  return false
}

/** A read that a contract may not answer (optional ERC-20/721 functions): undefined then. */
export async function optionalRead<T>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read()
  } catch (err) {
    if (isUnavailable(err)) throw err
    return undefined
  }
}

/**
 * `symbol()` and `decimals()` of token contracts, read once per contract and kept (they do not
 * change). Both are optional in the standards: a contract that does not answer has none. An RPC
 * that cannot be reached is an error (not cached), so a later call asks again.
 */
export function createTokenFacts() {
  const cache = new Map<string, TokenFacts>()
  return async function factsOf(
    rpc: EvmRpc,
    network: string,
    contract: string,
    kind: 'Erc20' | 'Erc721',
  ): Promise<TokenFacts> {
    const key = `${network}:${contract.toLowerCase()}:${kind}`
    const known = cache.get(key)
    if (known) return known
    const address = contract as Hex
    const abi = kind === 'Erc20' ? erc20Abi : erc721Abi
    const symbol = await optionalRead(() =>
      rpc.client.readContract({ address, abi: abi as typeof erc20Abi, functionName: 'symbol' }),
    )
    const decimals =
      kind === 'Erc20'
        ? await optionalRead(() =>
            rpc.client.readContract({ address, abi: erc20Abi, functionName: 'decimals' }),
          )
        : undefined
    const facts: TokenFacts = {
      ...(typeof symbol === 'string' && symbol.length <= 64 ? { symbol } : {}),
      ...(decimals !== undefined && decimals <= 255 ? { decimals: Number(decimals) } : {}),
    }
    cache.set(key, facts)
    return facts
  }
}

export type TokenFactsReader = ReturnType<typeof createTokenFacts>
