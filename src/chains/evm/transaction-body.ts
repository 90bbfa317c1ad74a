import { type Hex, parseTransaction } from 'viem'
import { toHex } from '../bytes.ts'
import { invalid, MAX_TRANSACTION_BYTES, parseHexField } from '../input.ts'
import type { NetworkInfo } from '../networks.ts'
import { validateEvmAddress } from './address.ts'

/**
 * An EVM transaction a caller asks walletd to sign and broadcast, with the fields it left to walletd
 * (nonce, gas, fees) undefined. Quantities are decimal strings.
 */
export interface EvmTransactionPlan {
  readonly to: Hex | null
  readonly value: string
  readonly data: Hex
  readonly nonce?: number
  readonly gasLimit?: string
  readonly maxFeePerGas?: string
  readonly maxPriorityFeePerGas?: string
  readonly type?: 'legacy'
  readonly gasPrice?: string
  readonly accessList?: readonly { address: string; storageKeys: readonly string[] }[]
}

const UINT256 = 2n ** 256n

/** A quantity as the SDK types it: a decimal string, a 0x hex string, or (nonce) a number. */
export function quantity(value: unknown, field: string, max = UINT256): bigint | undefined {
  if (value === undefined) return undefined
  let n: bigint
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) n = BigInt(value)
  else if (typeof value === 'string' && /^(0|[1-9][0-9]{0,77})$/.test(value)) n = BigInt(value)
  else if (typeof value === 'string' && /^0x[0-9a-fA-F]{1,64}$/.test(value)) n = BigInt(value)
  else throw invalid(field, 'must be a non-negative integer (decimal, or 0x hex)')
  if (n >= max) throw invalid(field, 'is too large')
  return n
}

function address(value: unknown, field: string): Hex {
  try {
    return validateEvmAddress(String(value)) as Hex
  } catch (err) {
    throw invalid(field, `is not a valid EVM address: it ${(err as Error).message}`)
  }
}

const positive = (n: bigint | undefined) => (n !== undefined && n > 0n ? n.toString() : undefined)
const defined = <T extends Record<string, unknown>>(o: T) =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T

/**
 * `Transaction` (an unsigned serialized transaction), `Evm` and `Eip1559` bodies as one plan, or a
 * 400 naming the field.
 *
 * In a serialized transaction every field is encoded, so zero gas, zero fees and nonce 0 count as
 * "left to walletd": nonce 0 is only valid while the wallet's next nonce is 0, which is what walletd
 * assigns then anyway. Legacy serialized transactions stay legacy; EIP-2930, blob (4844) and
 * EIP-7702 transactions are refused (walletd builds EIP-1559 and legacy ones only).
 */
export function evmTransactionPlan(
  network: NetworkInfo,
  body: Record<string, unknown> & { kind: string },
): EvmTransactionPlan {
  if (body.kind === 'Transaction') {
    const bytes = parseHexField(body.transaction, 'transaction', { maxBytes: MAX_TRANSACTION_BYTES })
    let tx: ReturnType<typeof parseTransaction>
    try {
      tx = parseTransaction(`0x${toHex(bytes)}` as Hex)
    } catch (err) {
      throw invalid(
        'transaction',
        `is not a serialized EVM transaction: ${String((err as Error).message).split('\n')[0]}`,
      )
    }
    if ((tx as { r?: unknown }).r !== undefined) throw invalid('transaction', 'is already signed')
    if (tx.type !== 'eip1559' && tx.type !== 'legacy') {
      throw invalid('transaction', `is a ${tx.type} transaction; walletd sends EIP-1559 and legacy ones`)
    }
    if (tx.chainId !== undefined && tx.chainId !== network.chainId) {
      throw invalid(
        'transaction',
        `is for chain id ${tx.chainId}, but ${network.name} is chain id ${network.chainId}`,
      )
    }
    const common = {
      to: tx.to ?? null,
      value: (tx.value ?? 0n).toString(),
      data: (tx.data ?? '0x') as Hex,
      nonce: tx.nonce ? tx.nonce : undefined,
      gasLimit: positive(tx.gas),
    }
    if (tx.type === 'legacy')
      return defined({ ...common, type: 'legacy' as const, gasPrice: positive(tx.gasPrice) })
    return defined({
      ...common,
      maxFeePerGas: positive(tx.maxFeePerGas),
      maxPriorityFeePerGas: positive(tx.maxPriorityFeePerGas),
      accessList: tx.accessList && tx.accessList.length > 0 ? tx.accessList : undefined,
    })
  }
  const data =
    body.data === undefined
      ? '0x'
      : (`0x${toHex(parseHexField(body.data, 'data', { maxBytes: MAX_TRANSACTION_BYTES, allowEmpty: true }))}` as Hex)
  const to = body.to === undefined ? null : address(body.to, 'to')
  if (to === null && data === '0x') throw invalid('to', 'is required unless data deploys a contract')
  const nonce = quantity(body.nonce, 'nonce', BigInt(Number.MAX_SAFE_INTEGER))
  const plan = {
    to,
    value: (quantity(body.value, 'value') ?? 0n).toString(),
    data,
    nonce: nonce === undefined ? undefined : Number(nonce),
    gasLimit: quantity(body.gasLimit, 'gasLimit')?.toString(),
  }
  if (body.kind === 'Evm') return defined(plan)
  const maxFeePerGas = quantity(body.maxFeePerGas, 'maxFeePerGas')
  const maxPriorityFeePerGas = quantity(body.maxPriorityFeePerGas, 'maxPriorityFeePerGas')
  if (
    maxFeePerGas !== undefined &&
    maxPriorityFeePerGas !== undefined &&
    maxPriorityFeePerGas > maxFeePerGas
  ) {
    throw invalid('maxPriorityFeePerGas', 'must not be above maxFeePerGas')
  }
  return defined({
    ...plan,
    maxFeePerGas: maxFeePerGas?.toString(),
    maxPriorityFeePerGas: maxPriorityFeePerGas?.toString(),
  })
}
