import type { FastifyInstance } from 'fastify'
import type { EvmEndpoints } from '../../../chains/evm/endpoints.ts'
import type { Clock } from '../../../clock.ts'
import type { KeyStore } from '../../../custody/index.ts'
import type { Db } from '../../../db/database.ts'
import type { JobRunner } from '../../../jobs/index.ts'
import type { PriceSource } from '../../policies/index.ts'
import type { WalletsModule } from '../index.ts'
import type { Governance } from '../shared.ts'
import { registerTransactionRoutes } from '../transactions/routes.ts'
import { createTransactionsService, type TransactionsService } from '../transactions/service.ts'
import { createTransferExecutor, EXECUTE_JOB } from './executor.ts'
import { createReplacements } from './replacements.ts'
import { createTransferRepository, type TransferRepository } from './repository.ts'
import { createRequestPipeline } from './requests.ts'
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
  readonly governance?: Governance
  /** Between receipt checks of a broadcast transaction (default 1 s). */
  readonly confirmPollMs?: number
  /** Wraps the repository (the webhooks module emits events from its writes). */
  readonly decorateRepository?: (repository: TransferRepository) => TransferRepository
}

/**
 * Transfers (`/wallets/:id/transfers`) and transactions (`/wallets/:id/transactions`): value moved
 * on a real chain. Both share one table, one request pipeline and one executor job; this registers
 * the job on the one job queue and the approval handlers on the policy engine. See README.md.
 */
export function createTransfersModule(deps: TransfersDeps): {
  service: TransfersService
  transactions: TransactionsService
  registerRoutes(app: FastifyInstance): void
} {
  const base = createTransferRepository(deps.db)
  const repository = deps.decorateRepository?.(base) ?? base
  const shared = {
    db: deps.db,
    clock: deps.clock,
    repository,
    wallets: deps.wallets.service,
    keys: deps.wallets.keys,
    jobs: deps.jobs,
    ...(deps.governance ? { governance: deps.governance } : {}),
  }
  const signerFor = async (orgId: string, walletId: string) => {
    const wallet = await deps.wallets.walletRepository.find(orgId, walletId)
    if (!wallet) throw new Error(`wallet ${walletId} is gone`)
    return deps.keyStore.signer({ orgId, keyId: wallet.keyId })
  }
  const transferPipeline = createRequestPipeline(shared, 'transfer')
  const transactionPipeline = createRequestPipeline(shared, 'transaction')
  const service = createTransfersService({ pipeline: transferPipeline, evm: deps.evm, prices: deps.prices })
  const transactions = createTransactionsService({
    pipeline: transactionPipeline,
    evm: deps.evm,
    prices: deps.prices,
  })
  const replacements = createReplacements({
    ...shared,
    pipeline: transactionPipeline,
    evm: deps.evm,
    signerFor,
  })
  deps.jobs.register(
    EXECUTE_JOB,
    createTransferExecutor({
      db: deps.db,
      clock: deps.clock,
      repository,
      evm: deps.evm,
      confirmPollMs: deps.confirmPollMs,
      signerFor,
      ...(deps.governance ? { release: (id, trx) => deps.governance!.releaseWalletRequest(id, trx) } : {}),
    }),
  )
  deps.governance?.onWalletApprovalResolved(async (resolved) => {
    if (resolved.requestId.startsWith('xfr-')) await service.onApprovalResolved(resolved)
    if (resolved.requestId.startsWith('tx-')) await transactions.onApprovalResolved(resolved)
  })
  return {
    service,
    transactions,
    registerRoutes(app) {
      registerTransferRoutes(app, service, replacements.forCategory('transfer'))
      registerTransactionRoutes(app, transactions, replacements.forCategory('transaction'))
    },
  }
}
