import type { Hex } from 'viem'
import type { EvmEndpoints } from '../../../chains/evm/endpoints.ts'
import { evmTransactionPlan } from '../../../chains/evm/transaction-body.ts'
import { requireNetwork } from '../../../chains/networks.ts'
import { callFacts } from '../../../chains/transfer-facts.ts'
import { AppError } from '../../../errors.ts'
import type { PriceSource } from '../../policies/index.ts'
import type { Caller } from '../shared.ts'
import type { PageQuery } from '../shared-schemas.ts'
import { checkTransactionFunds } from '../transfers/chain-checks.ts'
import type { RequestPipeline } from '../transfers/requests.ts'
import type { TransactionBody, TransactionView } from './schemas.ts'

export interface TransactionsDeps {
  readonly pipeline: RequestPipeline
  readonly evm: EvmEndpoints
  readonly prices: PriceSource
}

const EVM_KINDS = new Set(['Transaction', 'Evm', 'Eip1559'])

/**
 * Transaction requests (`/wallets/:id/transactions`): an EVM transaction the caller describes
 * (`Transaction` serialized, `Evm`, `Eip1559`), which walletd completes (nonce, gas, fees), has the
 * policies judge, signs, broadcasts and follows — on the same request pipeline and executor job
 * as transfers (transfers/requests.ts, transfers/executor.ts).
 */
export function createTransactionsService(deps: TransactionsDeps) {
  const { pipeline } = deps
  return {
    async create(caller: Caller, walletId: string, body: TransactionBody): Promise<TransactionView> {
      const prepared = await pipeline.prepare(caller, walletId, body)
      if (prepared.replayed) return prepared.replayed
      const { wallet } = prepared
      const network = requireNetwork(wallet.network, 'network')
      if (!EVM_KINDS.has(body.kind) || network.blockchainKind !== 'Evm') {
        throw new AppError(
          'validation_failed',
          `Transaction kind ${body.kind} is not supported on ${network.name}.`,
          {
            details: { field: 'kind', kind: body.kind, network: network.name },
          },
        )
      }
      const plan = evmTransactionPlan(network, body as Record<string, unknown> & { kind: string })
      await checkTransactionFunds(deps.evm.rpcFor(network), network, wallet.address as Hex, plan)
      const record = pipeline.draft(caller, wallet, network, body as Record<string, unknown>, plan)
      const facts = callFacts(network, { to: plan.to, value: BigInt(plan.value), data: plan.data })
      return pipeline.submit(caller, wallet, record, facts)
    },
    list: (caller: Caller, walletId: string, query: PageQuery) => pipeline.list(caller, walletId, query),
    get: (caller: Caller, walletId: string, id: string) => pipeline.get(caller, walletId, id),
    abort: (caller: Caller, walletId: string, id: string) => pipeline.abort(caller, walletId, id),
    onApprovalResolved: pipeline.onApprovalResolved,
  }
}

export type TransactionsService = ReturnType<typeof createTransactionsService>
