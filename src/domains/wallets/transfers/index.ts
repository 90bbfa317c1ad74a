import type { FastifyInstance } from 'fastify'
import type { EvmEndpoints } from '../../../chains/evm/endpoints.ts'
import type { Clock } from '../../../clock.ts'
import type { KeyStore } from '../../../custody/index.ts'
import type { Db } from '../../../db/database.ts'
import type { JobRunner } from '../../../jobs/index.ts'
import type { WalletGovernance } from '../../policies/governance.ts'
import type { PriceSource } from '../../policies/prices.ts'
import type { WalletsModule } from '../index.ts'
import { createTransferExecutor, EXECUTE_JOB } from './executor.ts'
import { createTransferRepository, type TransferRepository } from './repository.ts'
import { registerTransferRoutes } from './routes.ts'
import { createTransfersService, type TransfersService } from './service.ts'

export interface TransfersDeps {
  readonly db: Db
  readonly clock: Clock
  readonly wallets: WalletsModule
  readonly keyStore: KeyStore
  readonly evm: EvmEndpoints
  readonly jobs: JobRunner
  readonly prices: PriceSource
  readonly governance?: Pick<
    WalletGovernance,
    'governWalletRequest' | 'onWalletApprovalResolved' | 'releaseWalletRequest'
  >
  /** Between receipt checks of a broadcast transaction (default 1 s). */
  readonly confirmPollMs?: number
  /** Wraps the repository (the webhooks module emits events from its writes). */
  readonly decorateRepository?: (repository: TransferRepository) => TransferRepository
}

/**
 * Transfers (`/wallets/:id/transfers`): value moved on a real chain. Registers its job on the one
 * job queue and its approval handler on the policy engine; see README.md for the decisions.
 */
export function createTransfersModule(deps: TransfersDeps): {
  service: TransfersService
  registerRoutes(app: FastifyInstance): void
} {
  const base = createTransferRepository(deps.db)
  const repository = deps.decorateRepository?.(base) ?? base
  const service = createTransfersService({
    db: deps.db,
    clock: deps.clock,
    repository,
    wallets: deps.wallets.service,
    keys: deps.wallets.keys,
    evm: deps.evm,
    jobs: deps.jobs,
    prices: deps.prices,
    ...(deps.governance ? { governance: deps.governance } : {}),
  })
  deps.jobs.register(
    EXECUTE_JOB,
    createTransferExecutor({
      db: deps.db,
      clock: deps.clock,
      repository,
      evm: deps.evm,
      confirmPollMs: deps.confirmPollMs,
      async signerFor(orgId, walletId) {
        const wallet = await deps.wallets.walletRepository.find(orgId, walletId)
        if (!wallet) throw new Error(`wallet ${walletId} is gone`)
        return deps.keyStore.signer({ orgId, keyId: wallet.keyId })
      },
      ...(deps.governance ? { release: (id: string) => deps.governance!.releaseWalletRequest(id) } : {}),
    }),
  )
  deps.governance?.onWalletApprovalResolved(async (resolved) => {
    if (resolved.requestId.startsWith('xfr-')) await service.onApprovalResolved(resolved)
  })
  return { service, registerRoutes: (app) => registerTransferRoutes(app, service) }
}
