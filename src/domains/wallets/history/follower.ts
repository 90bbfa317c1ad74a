/**
 * The block follower: one job per EVM network on the shared queue (`chain.follow`, deduplicated by
 * network, so one node holds each network's lease at a time). Each run scans from the stored cursor
 * up to the head less the confirmation depth, stores what touches a wallet of ours, moves the
 * cursor (compare-and-set, in the same transaction as the rows and their webhook events) and asks
 * to run again after the poll interval. A straggler whose lease was taken over loses the
 * compare-and-set and its transaction rolls back: a range is stored once.
 *
 * Reorganisations: the hashes of the last blocks scanned are kept. Before scanning on, the block
 * below the cursor is compared with the chain's; on a mismatch (or a missing block: the chain got
 * shorter) the newest stored block the chain still has is the fork point, every event above it is
 * deleted and the cursor goes back to just after it. A block whose parent is not the block scanned
 * before it stops the scan the same way.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import type { EvmEndpoints } from '../../../chains/evm/endpoints.ts'
import {
  blockHeader,
  ChainMoved,
  headNumber,
  type ObservedTransfer,
  scanBlocks,
} from '../../../chains/evm/follower-scan.ts'
import type { EvmRpc } from '../../../chains/evm/rpc.ts'
import { findNetwork } from '../../../chains/networks.ts'
import type { Clock } from '../../../clock.ts'
import type { Db } from '../../../db/database.ts'
import { enqueueJob, type JobHandler, type RunAgain } from '../../../jobs/index.ts'
import type { PriceSource } from '../../policies/index.ts'
import type { EmitEvent } from '../../webhooks/index.ts'
import type { ChainEventRow, HistoryRepository } from './repository.ts'
import type { TokenFactsReader } from './tokens.ts'
import { type ListedToken, toHistoryItem } from './views.ts'

export const FOLLOW_JOB = 'chain.follow'
/** Blocks fetched per scan step, and at most per run before the job yields to others. */
const BATCH = 50
const MAX_BLOCKS_PER_RUN = 500
/** Fork searches or moved chains in one run before the run fails and is retried later. */
const MAX_MOVES = 10

export interface FollowerDeps {
  readonly db: Db
  readonly clock: Clock
  readonly evm: EvmEndpoints
  readonly repository: HistoryRepository
  readonly tokens: TokenFactsReader
  readonly listed: ListedToken
  readonly emit?: EmitEvent
  /** The USD price of an asset when its event is recorded (`metadata.asset.quotes`). */
  readonly prices?: PriceSource
  /** 1 = a block is scanned as soon as it is the head. */
  readonly confirmations: number
  readonly pollMs: number
  readonly logger?: { warn(obj: object, msg: string): void }
}

class CursorTaken extends Error {}

const base36 = (n: number, width: number) => n.toString(36).padStart(width, '0')
const random36 = () => Math.random().toString(36).slice(2, 10).padEnd(8, '0')

/** `bce-<block time>-<block>-<position>-<random>`: sorts like the chain, so it is the page cursor. */
function eventId(timestamp: string, block: number, position: number): string {
  const seconds = Math.floor(Date.parse(timestamp) / 1000)
  return `bce-${base36(seconds, 7)}-${base36(block, 10)}-${base36(position, 7)}-${random36()}`
}

export function createFollower(deps: FollowerDeps) {
  const { repository } = deps

  async function rowsOf(
    rpc: EvmRpc,
    network: string,
    transfers: readonly ObservedTransfer[],
    timestamps: ReadonlyMap<number, string>,
    wallets: ReadonlyMap<string, { id: string; org_id: string }[]>,
  ): Promise<ChainEventRow[]> {
    const rows: ChainEventRow[] = []
    const now = deps.clock.now().toISOString()
    const prices = new Map<string, string | null>()
    const priceOf = async (symbol: string | undefined): Promise<string | null> => {
      if (!symbol || !deps.prices) return null
      if (!prices.has(symbol)) {
        const usd = await deps.prices.usdValue({ symbol, decimals: 0, amount: '1' })
        prices.set(symbol, usd === undefined ? null : String(usd))
      }
      return prices.get(symbol) as string | null
    }
    for (const t of transfers) {
      const facts =
        t.kind === 'NativeTransfer'
          ? { symbol: findNetwork(network)?.nativeAsset?.symbol }
          : await deps.tokens(rpc, network, t.contract, t.kind === 'Erc20Transfer' ? 'Erc20' : 'Erc721')
      // An NFT has no unit price.
      const usdPrice = t.kind === 'Erc721Transfer' ? null : await priceOf(facts.symbol)
      const timestamp = timestamps.get(t.blockNumber) as string
      for (const [direction, address] of [
        ['Out', t.from],
        ['In', t.to],
      ] as const) {
        for (const wallet of wallets.get(address.toLowerCase()) ?? []) {
          rows.push({
            id: eventId(timestamp, t.blockNumber, t.position),
            org_id: wallet.org_id,
            wallet_id: wallet.id,
            network,
            direction,
            kind: t.kind,
            block_number: t.blockNumber,
            block_hash: t.blockHash,
            tx_hash: t.txHash,
            log_index: t.kind === 'NativeTransfer' ? null : t.logIndex,
            event_key: `${t.txHash}:${t.kind === 'NativeTransfer' ? 'native' : t.logIndex}:${direction}`,
            contract: t.kind === 'NativeTransfer' ? null : t.contract,
            from_address: t.from,
            to_address: t.to,
            value: t.kind === 'Erc721Transfer' ? null : t.value.toString(),
            token_id: t.kind === 'Erc721Transfer' ? t.tokenId.toString() : null,
            fee: t.fee === undefined ? null : t.fee.toString(),
            symbol: t.kind === 'NativeTransfer' ? null : (facts.symbol ?? null),
            decimals: 'decimals' in facts ? (facts.decimals ?? null) : null,
            timestamp,
            date_created: now,
            usd_price: usdPrice,
          })
        }
      }
    }
    return rows
  }

  /** Finds the newest stored block the chain still has and undoes everything above it. */
  async function rollBack(rpc: EvmRpc, network: string, next: number): Promise<void> {
    const stored = await repository.blocksBelow(network, next)
    let fork: number | undefined
    for (const block of stored) {
      const onChain = await blockHeader(rpc, block.number)
      if (onChain?.hash === block.hash) {
        fork = block.number
        break
      }
    }
    const forkPoint = fork ?? (stored[stored.length - 1]?.number ?? next) - 1
    const removed = await deps.db.transaction().execute(async (trx) => {
      const now = deps.clock.now().toISOString()
      if (!(await repository.moveCursor(network, next, forkPoint + 1, now, trx))) return 0
      return repository.rollBack(network, forkPoint, trx)
    })
    deps.logger?.warn(
      { network, forkPoint, removed },
      'chain reorganised: events above the fork point removed',
    )
  }

  /** Scans until caught up (or the run's budget is spent); returns when to run again. */
  async function follow(network: string): Promise<RunAgain> {
    const info = findNetwork(network)
    if (!info || !deps.evm.has(network)) {
      // The network left the configuration: look again later rather than end the job for good.
      return { runAgainAt: new Date(deps.clock.now().getTime() + 60_000) }
    }
    const rpc = deps.evm.rpcFor(info)
    let scanned = 0
    let moves = 0
    for (;;) {
      const target = (await headNumber(rpc)) - (deps.confirmations - 1)
      const next = await repository.cursor(network)
      if (next === undefined) {
        // The follower's start: history begins at the current confirmed head, not at genesis.
        await repository.startCursor(network, Math.max(0, target), deps.clock.now().toISOString())
        continue
      }
      const below = next > 0 ? await repository.block(network, next - 1) : undefined
      if (below) {
        const onChain = await blockHeader(rpc, below.number)
        if (onChain?.hash !== below.hash) {
          if (++moves > MAX_MOVES) throw new Error(`${network} keeps reorganising; trying again later`)
          await rollBack(rpc, network, next)
          continue
        }
      }
      if (next > target || scanned >= MAX_BLOCKS_PER_RUN) {
        const wait = next > target ? deps.pollMs : 0
        return { runAgainAt: new Date(deps.clock.now().getTime() + wait) }
      }
      const to = Math.min(target, next + BATCH - 1)
      const wallets = new Map<string, { id: string; org_id: string }[]>()
      for (const w of await repository.watchedWallets(network)) {
        const key = (w.address as string).toLowerCase()
        const sharing = wallets.get(key)
        if (sharing) sharing.push({ id: w.id, org_id: w.org_id })
        else wallets.set(key, [{ id: w.id, org_id: w.org_id }])
      }
      let scan: Awaited<ReturnType<typeof scanBlocks>>
      try {
        scan = await scanBlocks(rpc, {
          from: next,
          to,
          expectedParent: below?.hash,
          watched: new Set(wallets.keys()),
        })
      } catch (err) {
        if (!(err instanceof ChainMoved)) throw err
        if (++moves > MAX_MOVES) throw err
        await sleep(50)
        continue
      }
      const timestamps = new Map(scan.blocks.map((b) => [b.number, b.timestamp]))
      const rows = await rowsOf(rpc, network, scan.transfers, timestamps, wallets)
      try {
        await deps.db.transaction().execute(async (trx) => {
          const now = deps.clock.now().toISOString()
          if (!(await repository.moveCursor(network, next, to + 1, now, trx))) throw new CursorTaken()
          await repository.saveBlocks(
            network,
            scan.blocks.map((b) => ({ number: b.number, hash: b.hash, parent_hash: b.parentHash })),
            trx,
          )
          for (const row of rows) {
            if (!(await repository.insertEvent(row, trx))) continue
            await deps.emit?.(
              {
                orgId: row.org_id,
                kind: 'wallet.blockchainevent.detected',
                data: { blockchainEvent: toHistoryItem(row, deps.listed) },
              },
              trx,
            )
          }
        })
      } catch (err) {
        // Another scanner stored this range first (a lease taken over): nothing of ours was kept.
        if (err instanceof CursorTaken) return { runAgainAt: deps.clock.now() }
        throw err
      }
      scanned += to - next + 1
    }
  }

  const handler: JobHandler<{ network: string }> = {
    run: (job) => follow(job.payload.network),
    // Never given up: an RPC that is down is retried, at most every 30 s.
    retryAt: (_err, job, now) =>
      new Date(now.getTime() + Math.min(30_000, 1000 * 2 ** Math.min(job.attempt, 5))),
    leaseMs: 120_000,
  }

  return {
    handler,
    follow,
    /**
     * One follow job per reachable EVM network; an existing one is kept (the dedupe key), and one
     * that ended is made due again, so a network that comes back into the configuration is followed.
     */
    async enqueueAll(): Promise<void> {
      for (const endpoint of deps.evm.list()) {
        const key = `${FOLLOW_JOB}:${endpoint.network}`
        await deps.db.transaction().execute(async (trx) => {
          const added = await enqueueJob(
            { kind: FOLLOW_JOB, payload: { network: endpoint.network }, dedupeKey: key },
            deps.clock,
            trx,
          )
          if (!added) {
            await trx
              .updateTable('jobs')
              .set({ status: 'pending', run_at: deps.clock.now().toISOString(), attempts: 0 })
              .where('dedupe_key', '=', key)
              .where('status', 'in', ['done', 'dead'])
              .execute()
          }
        })
      }
    },
  }
}

export type Follower = ReturnType<typeof createFollower>
