import { decodeFunctionData, erc20Abi, type Hex, parseTransaction } from 'viem'
import type { NetworkInfo } from './networks.ts'

/**
 * What a signature request moves, as far as walletd can tell from its body: the facts the policy
 * rules need (TransactionRecipientWhitelist, TransactionAmountLimit/Velocity).
 *
 * Only what can be read with certainty is reported; everything else stays undefined, and the rules
 * fail closed on undefined (the whitelist and amount rules trigger), as Dfns does for raw
 * signatures:
 * - EVM `Transaction` with no calldata: a native transfer, recipient `to`, amount `value` in the
 *   network's native asset.
 * - EVM `Transaction` calling ERC-20 `transfer(to, amount)`: recipient is the token recipient; the
 *   amount is in an asset walletd cannot price, so it stays unknown.
 * - Any other contract call: recipient is the contract, the amount unknown (it may move tokens).
 * - Every other kind (Hash, Message, Eip712, PSBT …): nothing is inferred.
 */
export interface TransferFacts {
  readonly recipient?: string
  readonly value?: { readonly symbol: string; readonly decimals: number; readonly amount: string }
}

export function transferFactsOf(
  network: NetworkInfo,
  body: { kind?: unknown; transaction?: unknown },
): TransferFacts {
  if (
    network.blockchainKind !== 'Evm' ||
    body.kind !== 'Transaction' ||
    typeof body.transaction !== 'string'
  ) {
    return {}
  }
  let tx: ReturnType<typeof parseTransaction>
  try {
    tx = parseTransaction(body.transaction as Hex)
  } catch {
    return {}
  }
  return callFacts(network, { to: tx.to, value: tx.value, data: 'data' in tx ? tx.data : undefined })
}

/** The same facts for a call walletd builds itself (transaction requests): `to`, `value`, `data`. */
export function callFacts(
  network: NetworkInfo,
  tx: { to?: Hex | null; value?: bigint; data?: Hex | undefined },
): TransferFacts {
  if (!tx.to) return {} // contract creation: no recipient
  const data = tx.data
  if (!data || data === '0x') {
    const asset = network.nativeAsset
    return {
      recipient: tx.to,
      ...(asset
        ? { value: { symbol: asset.symbol, decimals: asset.decimals, amount: (tx.value ?? 0n).toString() } }
        : {}),
    }
  }
  try {
    const call = decodeFunctionData({ abi: erc20Abi, data })
    if (call.functionName === 'transfer') return { recipient: call.args[0] }
  } catch {
    // not an ERC-20 call: the contract is the recipient
  }
  return { recipient: tx.to }
}
