import type { FastifyInstance } from 'fastify'
import { getAddress } from 'viem'
import type { EvmEndpoints } from '../../../chains/evm/endpoints.ts'
import type { Clock } from '../../../clock.ts'
import type { Db } from '../../../db/database.ts'
import type { JobRunner } from '../../../jobs/index.ts'
import type { PriceSource } from '../../policies/index.ts'
import type { EmitEvent } from '../../webhooks/index.ts'
import type { WalletService } from '../service.ts'
import { createFollower, FOLLOW_JOB, type Follower } from './follower.ts'
import { createHistoryRepository } from './repository.ts'
import { registerHistoryRoutes } from './routes.ts'
import { createHistoryService, type HistoryService } from './service.ts'
import { createTokenFacts } from './tokens.ts'

export { FOLLOW_JOB } from './follower.ts'

export interface HistoryDeps {
  readonly db: Db
  readonly clock: Clock
  readonly wallets: WalletService
  readonly evm: EvmEndpoints
  readonly jobs: JobRunner
  readonly prices: PriceSource
  /** `wallet.blockchainevent.detected`, written in the transaction that stores the event. */
  readonly emit?: EmitEvent
  readonly confirmations: number
  readonly pollMs: number
  /** Operator-listed ERC-20 contracts per network (`WALLETD_EVM_TOKENS`). */
  readonly listedTokens: Readonly<Record<string, readonly string[]>>
  readonly logger?: { warn(obj: object, msg: string): void }
}

/**
 * On-chain history, assets and NFTs of wallets (see README.md): the block follower on the job
 * queue, and the read routes over what it stored plus live balances from the chain.
 */
export function createHistoryModule(deps: HistoryDeps): {
  service: HistoryService
  follower: Follower
  registerRoutes(app: FastifyInstance): void
  /** Enqueue the follow job of every reachable EVM network (at start; idempotent). */
  start(): Promise<void>
} {
  const repository = createHistoryRepository(deps.db)
  // EIP-55, as the follower stores contracts: a token listed and also seen is one asset.
  const listedTokens = Object.fromEntries(
    Object.entries(deps.listedTokens).map(([n, list]) => [
      n,
      [...new Set(list.map((c) => getAddress(c.toLowerCase())))],
    ]),
  )
  const tokens = createTokenFacts()
  const listedSet = new Set(
    Object.entries(listedTokens).flatMap(([n, list]) => list.map((c) => `${n}:${c.toLowerCase()}`)),
  )
  const listed = (network: string, contract: string) => listedSet.has(`${network}:${contract.toLowerCase()}`)
  const follower = createFollower({
    db: deps.db,
    clock: deps.clock,
    evm: deps.evm,
    repository,
    tokens,
    listed,
    ...(deps.emit ? { emit: deps.emit } : {}),
    prices: deps.prices,
    confirmations: deps.confirmations,
    pollMs: deps.pollMs,
    ...(deps.logger ? { logger: deps.logger } : {}),
  })
  deps.jobs.register(FOLLOW_JOB, follower.handler)
  const service = createHistoryService({
    repository,
    wallets: deps.wallets,
    evm: deps.evm,
    prices: deps.prices,
    tokens,
    listed,
    listedTokens,
  })
  return {
    service,
    follower,
    registerRoutes: (app) => registerHistoryRoutes(app, service),
    start: () => follower.enqueueAll(),
  }
}
