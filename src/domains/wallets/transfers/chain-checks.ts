import { erc20Abi, erc721Abi, type Hex } from 'viem'
import type { EvmRpc } from '../../../chains/evm/rpc.ts'
import { RpcUnavailableError } from '../../../chains/evm/rpc.ts'
import type { EvmTransferIntent } from '../../../chains/evm/transfers.ts'
import type { NetworkInfo } from '../../../chains/networks.ts'
import { AppError } from '../../../errors.ts'

/** What is known about the asset a transfer moves: for metadata, prices and policy amounts. */
export interface AssetFacts {
  readonly symbol: string
  readonly decimals: number
  /** The network's own asset; tokens are reported unverified (walletd keeps no token list). */
  readonly native: boolean
}

function refuse(field: string, message: string, details: Record<string, unknown> = {}): AppError {
  return new AppError('validation_failed', `${field} ${message}`, { details: { field, ...details } })
}

/** The chain could not be asked: nothing is stored, the caller may retry (503). */
function unreachable(network: NetworkInfo, cause: unknown): AppError {
  return new AppError(
    'service_unavailable',
    `${network.name} cannot be reached right now; nothing was sent.`,
    {
      details: { network: network.name },
      cause,
    },
  )
}

function isUnreachable(err: unknown): boolean {
  for (let e: unknown = err; e; e = (e as { cause?: unknown }).cause) {
    if (e instanceof RpcUnavailableError) return true
  }
  return false
}

/**
 * The checks made against the chain before a transfer is stored (README: "what is refused before
 * storing"): the token contract exists and answers as its standard says, and the wallet holds what
 * it sends. They answer from the latest state; a concurrent spend can still make the transaction
 * fail later, which the executor reports as Failed with a reason.
 */
export async function inspectTransfer(
  rpc: EvmRpc,
  network: NetworkInfo,
  from: Hex,
  intent: EvmTransferIntent,
): Promise<AssetFacts | undefined> {
  try {
    if (intent.kind === 'Native') {
      const balance = await rpc.client.getBalance({ address: from })
      if (balance < intent.amount) {
        throw refuse('amount', `is more than the wallet holds (${balance} in minimum units)`, {
          balance: balance.toString(),
        })
      }
      return network.nativeAsset ? { ...network.nativeAsset, native: true } : undefined
    }
    const code = await rpc.client.getCode({ address: intent.contract })
    if (!code || code === '0x')
      throw refuse('contract', `has no contract at ${intent.contract} on ${network.name}`)
    if (intent.kind === 'Erc20') {
      let balance: bigint
      let decimals: number
      let symbol: string
      try {
        balance = await rpc.client.readContract({
          address: intent.contract,
          abi: erc20Abi,
          functionName: 'balanceOf',
          args: [from],
        })
        decimals = await rpc.client.readContract({
          address: intent.contract,
          abi: erc20Abi,
          functionName: 'decimals',
        })
        symbol = await rpc.client.readContract({
          address: intent.contract,
          abi: erc20Abi,
          functionName: 'symbol',
        })
      } catch (err) {
        if (isUnreachable(err)) throw err
        throw refuse('contract', `${intent.contract} does not answer as an ERC-20 token`)
      }
      if (balance < intent.amount) {
        throw refuse('amount', `is more than the wallet holds of ${symbol} (${balance} in minimum units)`, {
          balance: balance.toString(),
        })
      }
      return { symbol, decimals, native: false }
    }
    let owner: string
    try {
      owner = await rpc.client.readContract({
        address: intent.contract,
        abi: erc721Abi,
        functionName: 'ownerOf',
        args: [intent.tokenId],
      })
    } catch (err) {
      if (isUnreachable(err)) throw err
      throw refuse(
        'tokenId',
        `${intent.tokenId} does not exist in ${intent.contract}, or it is not an ERC-721 contract`,
      )
    }
    if (owner.toLowerCase() !== from.toLowerCase()) {
      throw refuse('tokenId', `${intent.tokenId} of ${intent.contract} is not held by this wallet`)
    }
    return undefined
  } catch (err) {
    if (err instanceof AppError) throw err
    if (isUnreachable(err)) throw unreachable(network, err)
    throw err
  }
}

/**
 * Before a transaction request is stored: the wallet holds the value it sends (400 `value`), and
 * a nonce it fixes is not already used (400 `nonce`); 503 when the chain cannot be asked. Whether
 * the call itself succeeds is the executor's `eth_estimateGas` (accepted, then Failed).
 */
export async function checkTransactionFunds(
  rpc: EvmRpc,
  network: NetworkInfo,
  from: Hex,
  plan: { value: string; nonce?: number },
): Promise<void> {
  try {
    const value = BigInt(plan.value)
    if (value > 0n) {
      const balance = await rpc.client.getBalance({ address: from })
      if (balance < value) {
        throw refuse('value', `is more than the wallet holds (${balance} in minimum units)`, {
          balance: balance.toString(),
        })
      }
    }
    if (plan.nonce !== undefined) {
      const next = await rpc.client.getTransactionCount({ address: from, blockTag: 'pending' })
      if (plan.nonce < next) {
        throw refuse('nonce', `${plan.nonce} is already used; the wallet's next nonce is ${next}`, { next })
      }
    }
  } catch (err) {
    if (err instanceof AppError) throw err
    if (isUnreachable(err)) throw unreachable(network, err)
    throw err
  }
}
