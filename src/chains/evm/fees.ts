import type { EvmRpc } from './rpc.ts'

export type Priority = 'Slow' | 'Standard' | 'Fast'

export interface Eip1559Fee {
  maxPriorityFeePerGas: bigint
  maxFeePerGas: bigint
}

export interface EvmFeeEstimate {
  blockNumber: number
  baseFeePerGas: bigint
  slow: Eip1559Fee
  standard: Eip1559Fee
  fast: Eip1559Fee
}

const GWEI = 1_000_000_000n
/** Reward percentiles asked of eth_feeHistory, one per priority. */
const PERCENTILES = [25, 50, 75] as const
/**
 * A floor per priority: an idle chain (a dev chain, a quiet testnet) reports zero tips, and a zero
 * tip can sit unmined on a real network. Small enough not to overpay on any of them.
 */
const TIP_FLOOR: Record<Priority, bigint> = { Slow: GWEI / 100n, Standard: GWEI / 10n, Fast: GWEI / 2n }
const BLOCKS = 10

interface FeeHistory {
  oldestBlock: string
  baseFeePerGas: string[]
  reward?: string[][]
}

function median(values: bigint[]): bigint {
  if (values.length === 0) return 0n
  const sorted = [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
  return sorted[Math.floor(sorted.length / 2)] as bigint
}

/**
 * Slow / Standard / Fast from `eth_feeHistory` over the last 10 blocks: the tip is the median of
 * the blocks' 25th / 50th / 75th reward percentiles (at least the floor), and the fee cap leaves
 * room for the base fee to double (it can grow 12.5% per block), so the transaction stays valid for
 * several full blocks.
 */
export async function estimateEvmFees(rpc: EvmRpc): Promise<EvmFeeEstimate> {
  const history = await rpc.request<FeeHistory>('eth_feeHistory', [
    `0x${BLOCKS.toString(16)}`,
    'latest',
    [...PERCENTILES],
  ])
  const baseFees = history.baseFeePerGas.map((v) => BigInt(v))
  // The last entry is the base fee of the next block, the one a new transaction lands in.
  const nextBaseFee = baseFees[baseFees.length - 1] ?? 0n
  const rewards = history.reward ?? []
  const blockNumber = Number(BigInt(history.oldestBlock)) + Math.max(0, baseFees.length - 2)
  const level = (index: number, priority: Priority): Eip1559Fee => {
    const tip = median(rewards.map((r) => BigInt(r[index] ?? '0x0')))
    const maxPriorityFeePerGas = tip > TIP_FLOOR[priority] ? tip : TIP_FLOOR[priority]
    return { maxPriorityFeePerGas, maxFeePerGas: nextBaseFee * 2n + maxPriorityFeePerGas }
  }
  return {
    blockNumber,
    baseFeePerGas: nextBaseFee,
    slow: level(0, 'Slow'),
    standard: level(1, 'Standard'),
    fast: level(2, 'Fast'),
  }
}

export function feeFor(estimate: EvmFeeEstimate, priority: Priority | undefined): Eip1559Fee {
  if (priority === 'Slow') return estimate.slow
  if (priority === 'Fast') return estimate.fast
  return estimate.standard
}

/** A replacement must raise both fee fields by at least 10% over the original (geth, anvil). */
export function bumpedFee(original: Eip1559Fee, atLeast: Eip1559Fee): Eip1559Fee {
  const bump = (v: bigint) => v + (v + 9n) / 10n + 1n
  const maxPriorityFeePerGas = largerOf(bump(original.maxPriorityFeePerGas), atLeast.maxPriorityFeePerGas)
  const cap = largerOf(bump(original.maxFeePerGas), atLeast.maxFeePerGas)
  return { maxPriorityFeePerGas, maxFeePerGas: largerOf(cap, maxPriorityFeePerGas) }
}

/** Math.max for bigints, which Math.max refuses. */
function largerOf(a: bigint, b: bigint): bigint {
  return a > b ? a : b
}
