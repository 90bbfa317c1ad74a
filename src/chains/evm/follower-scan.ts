import { getAddress, type Hex, pad } from 'viem'
import type { EvmRpc } from './rpc.ts'

/** keccak256("Transfer(address,address,uint256)"): the event of ERC-20 and ERC-721 alike. */
export const TRANSFER_TOPIC = '0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef'

/** Addresses per eth_getLogs topic filter; larger sets are asked in several calls. */
const ADDRESSES_PER_QUERY = 200
/**
 * Above this many watched addresses, one eth_getLogs for every `Transfer` in the range, filtered
 * here, costs less than two calls per 200 addresses.
 */
export const MAX_FILTERED_ADDRESSES = 2000

export interface BlockHeader {
  readonly number: number
  readonly hash: string
  readonly parentHash: string
  /** ISO-8601 UTC. */
  readonly timestamp: string
}

interface CommonTransfer {
  readonly blockNumber: number
  readonly blockHash: string
  readonly txHash: string
  /** The log's index in its block; the transaction's index for a native transfer. */
  readonly position: number
  readonly from: string
  readonly to: string
  /** gasUsed × effectiveGasPrice of the transaction, paid by its sender. */
  readonly fee: bigint | undefined
}

/** A value movement seen on chain that touches a watched address. Addresses are EIP-55. */
export type ObservedTransfer =
  | (CommonTransfer & { readonly kind: 'NativeTransfer'; readonly value: bigint })
  | (CommonTransfer & {
      readonly kind: 'Erc20Transfer'
      readonly logIndex: number
      readonly contract: string
      readonly value: bigint
    })
  | (CommonTransfer & {
      readonly kind: 'Erc721Transfer'
      readonly logIndex: number
      readonly contract: string
      readonly tokenId: bigint
    })

/**
 * The chain is not what the scan expected: a block's parent is not the block scanned before it,
 * a block is missing (the chain got shorter), or a log or receipt names another block hash than
 * the block fetched. The caller looks for the fork point and scans again.
 */
export class ChainMoved extends Error {
  override name = 'ChainMoved'
}

interface RpcBlock {
  number: Hex
  hash: Hex
  parentHash: Hex
  timestamp: Hex
  transactions: { hash: Hex; from: Hex; to: Hex | null; value: Hex; transactionIndex: Hex }[]
}

interface RpcLog {
  address: Hex
  topics: Hex[]
  data: Hex
  blockNumber: Hex
  blockHash: Hex
  transactionHash: Hex
  logIndex: Hex
  removed?: boolean
}

interface RpcReceipt {
  status: Hex
  blockHash: Hex
  gasUsed: Hex
  effectiveGasPrice?: Hex
}

const hex = (n: number) => `0x${n.toString(16)}`
const headerOf = (b: RpcBlock): BlockHeader => ({
  number: Number(BigInt(b.number)),
  hash: b.hash,
  parentHash: b.parentHash,
  timestamp: new Date(Number(BigInt(b.timestamp)) * 1000).toISOString(),
})

export async function headNumber(rpc: EvmRpc): Promise<number> {
  return Number(BigInt(await rpc.request<Hex>('eth_blockNumber')))
}

/** The header of block `n`, or undefined when the chain has no such block (yet, or any more). */
export async function blockHeader(rpc: EvmRpc, n: number): Promise<BlockHeader | undefined> {
  const block = await rpc.request<RpcBlock | null>('eth_getBlockByNumber', [hex(n), false])
  return block ? headerOf(block) : undefined
}

/**
 * Blocks `from`..`to` and the transfers in them that touch `watched` (lower-case addresses):
 * transactions carrying value from or to one of them (successful ones only: a reverted
 * transaction moves nothing), and `Transfer` logs whose `from` or `to` topic is one of them
 * (3 topics + 32 bytes of data = ERC-20, 4 topics = ERC-721; anything else is ignored). The logs
 * are asked filtered on the watched addresses, or, past `maxFilteredAddresses`, all of the range's
 * `Transfer` logs are asked and filtered here.
 *
 * Value sent by a contract in an internal call is not seen (that needs a tracing node).
 */
export async function scanBlocks(
  rpc: EvmRpc,
  range: {
    from: number
    to: number
    expectedParent: string | undefined
    watched: ReadonlySet<string>
    /** Default MAX_FILTERED_ADDRESSES. */
    maxFilteredAddresses?: number
  },
): Promise<{ blocks: BlockHeader[]; transfers: ObservedTransfer[] }> {
  const blocks: BlockHeader[] = []
  const byNumber = new Map<number, BlockHeader>()
  const natives: { tx: RpcBlock['transactions'][number]; header: BlockHeader }[] = []
  let parent = range.expectedParent
  for (let n = range.from; n <= range.to; n++) {
    const block = await rpc.request<RpcBlock | null>('eth_getBlockByNumber', [hex(n), true])
    if (!block) throw new ChainMoved(`block ${n} is gone`)
    const header = headerOf(block)
    if (parent !== undefined && header.parentHash !== parent) {
      throw new ChainMoved(`block ${n}'s parent is not the block scanned before it`)
    }
    parent = header.hash
    blocks.push(header)
    byNumber.set(n, header)
    for (const tx of block.transactions) {
      if (tx.to === null || BigInt(tx.value) === 0n) continue
      if (range.watched.has(tx.from.toLowerCase()) || range.watched.has(tx.to.toLowerCase())) {
        natives.push({ tx, header })
      }
    }
  }

  const logs = new Map<string, RpcLog>()
  const keep = (found: RpcLog[], filter: boolean) => {
    for (const log of found) {
      if (log.removed || log.topics.length < 3) continue
      if (filter) {
        const from = `0x${(log.topics[1] as string).slice(26)}`.toLowerCase()
        const to = `0x${(log.topics[2] as string).slice(26)}`.toLowerCase()
        if (!range.watched.has(from) && !range.watched.has(to)) continue
      }
      const header = byNumber.get(Number(BigInt(log.blockNumber)))
      if (!header || header.hash !== log.blockHash) throw new ChainMoved('a log names another block')
      logs.set(`${log.blockHash}:${log.logIndex}`, log)
    }
  }
  const getLogs = (topics: unknown[]) =>
    rpc.request<RpcLog[]>('eth_getLogs', [{ fromBlock: hex(range.from), toBlock: hex(range.to), topics }])
  const addresses = [...range.watched]
  if (addresses.length > (range.maxFilteredAddresses ?? MAX_FILTERED_ADDRESSES)) {
    keep(await getLogs([TRANSFER_TOPIC]), true)
  } else {
    for (let i = 0; i < addresses.length; i += ADDRESSES_PER_QUERY) {
      const topics = addresses.slice(i, i + ADDRESSES_PER_QUERY).map((a) => pad(a as Hex, { size: 32 }))
      keep(await getLogs([TRANSFER_TOPIC, topics]), false)
      keep(await getLogs([TRANSFER_TOPIC, null, topics]), false)
    }
  }

  // One receipt per transaction: the status of a native transfer, and the fee of every transfer.
  const receipts = new Map<string, RpcReceipt>()
  const receiptOf = async (txHash: string, blockHash: string) => {
    let receipt = receipts.get(txHash)
    if (!receipt) {
      const fetched = await rpc.request<RpcReceipt | null>('eth_getTransactionReceipt', [txHash])
      if (!fetched || fetched.blockHash !== blockHash) throw new ChainMoved('a receipt names another block')
      receipt = fetched
      receipts.set(txHash, receipt)
    }
    return receipt
  }
  const feeOf = (r: RpcReceipt) =>
    r.effectiveGasPrice === undefined ? undefined : BigInt(r.gasUsed) * BigInt(r.effectiveGasPrice)

  const transfers: ObservedTransfer[] = []
  for (const { tx, header } of natives) {
    const receipt = await receiptOf(tx.hash, header.hash)
    if (BigInt(receipt.status) !== 1n) continue
    transfers.push({
      kind: 'NativeTransfer',
      blockNumber: header.number,
      blockHash: header.hash,
      txHash: tx.hash,
      position: Number(BigInt(tx.transactionIndex)),
      from: getAddress(tx.from),
      to: getAddress(tx.to as Hex),
      value: BigInt(tx.value),
      fee: feeOf(receipt),
    })
  }
  for (const log of logs.values()) {
    const erc20 = log.topics.length === 3 && log.data.length === 66
    const erc721 = log.topics.length === 4
    if (!erc20 && !erc721) continue
    const receipt = await receiptOf(log.transactionHash, log.blockHash)
    const logIndex = Number(BigInt(log.logIndex))
    const common = {
      blockNumber: Number(BigInt(log.blockNumber)),
      blockHash: log.blockHash,
      txHash: log.transactionHash,
      position: logIndex,
      logIndex,
      contract: getAddress(log.address),
      from: getAddress(`0x${(log.topics[1] as string).slice(26)}`),
      to: getAddress(`0x${(log.topics[2] as string).slice(26)}`),
      fee: feeOf(receipt),
    }
    transfers.push(
      erc20
        ? { ...common, kind: 'Erc20Transfer', value: BigInt(log.data) }
        : { ...common, kind: 'Erc721Transfer', tokenId: BigInt(log.topics[3] as Hex) },
    )
  }
  return { blocks, transfers }
}
