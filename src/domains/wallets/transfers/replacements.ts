import { type Hex, keccak256 } from 'viem'
import type { EvmEndpoints } from '../../../chains/evm/endpoints.ts'
import { bumpedFee, type Eip1559Fee, estimateEvmFees, feeFor } from '../../../chains/evm/fees.ts'
import { RpcUnavailableError } from '../../../chains/evm/rpc.ts'
import { signEvmTransactionObject } from '../../../chains/evm/sign.ts'
import { requireNetwork } from '../../../chains/networks.ts'
import type { Clock } from '../../../clock.ts'
import type { KeySigner } from '../../../custody/index.ts'
import type { Db } from '../../../db/database.ts'
import { AppError, notFound } from '../../../errors.ts'
import { enqueueJob, type JobRunner } from '../../../jobs/index.ts'
import type { WalletService } from '../service.ts'
import type { Caller } from '../shared.ts'
import { EXECUTE_JOB } from './executor.ts'
import { detailsOf, unsignedTransactionOf } from './plan.ts'
import type { TransferCategory, TransferPlan, TransferRecord, TransferRepository } from './repository.ts'
import { executeJobKey, type RequestPipeline } from './requests.ts'
import type { TransferView } from './schemas.ts'
import { toTransferView } from './views.ts'

export interface ReplacementDeps {
  readonly db: Db
  readonly clock: Clock
  readonly repository: TransferRepository
  readonly wallets: WalletService
  readonly jobs: JobRunner
  readonly evm: EvmEndpoints
  /** Replacements are transaction requests (`tx-…`): they are drafted by that pipeline. */
  readonly pipeline: RequestPipeline
  signerFor(orgId: string, walletId: string): Promise<KeySigner>
}

export type ReplacementKind = 'CancelTransaction' | 'SpeedUpTransaction'

/** The cancel and speed-up routes of one category (transfers or transactions). */
export interface Replacements {
  cancel(caller: Caller, walletId: string, id: string): Promise<TransferView>
  speedUp(caller: Caller, walletId: string, id: string): Promise<TransferView>
}

/** The original's fees, as stored in its `details` when it was signed. */
function feesOf(original: TransferRecord): Eip1559Fee {
  const d = (original.details ?? {}) as Record<string, string | undefined>
  if (d.gasPrice !== undefined)
    return { maxFeePerGas: BigInt(d.gasPrice), maxPriorityFeePerGas: BigInt(d.gasPrice) }
  return {
    maxFeePerGas: BigInt(d.maxFeePerGas ?? 0),
    maxPriorityFeePerGas: BigInt(d.maxPriorityFeePerGas ?? 0),
  }
}

/**
 * Cancel and speed-up by EVM replacement: a new transaction request (`tx-…`, kind
 * `CancelTransaction` / `SpeedUpTransaction` with `{txHash, signedTx}`) signed at once with the
 * original's nonce and both fee fields raised by more than 10% (at least today's Fast estimate),
 * so a node replaces the original in its mempool. A cancel sends 0 to the wallet itself; a speed-up
 * the original's call again. The original gets `replacementId` in the transaction that stores the
 * replacement; whichever of the two is mined, the other ends `Failed` (README, "Replaced").
 *
 * Only a `Broadcasted` request without a replacement can be replaced (412 otherwise): before
 * broadcast it can be aborted or is about to be sent; after it, its nonce is spent. Replacements
 * are not governed again: a cancel moves nothing, a speed-up moves what the policies let through.
 */
export function createReplacements(deps: ReplacementDeps) {
  const nouns: Record<TransferCategory, string> = { transfer: 'transfer', transaction: 'transaction' }

  function refuse(original: TransferRecord, why: string): AppError {
    return new AppError('precondition_failed', `${nouns[original.category]} ${original.id} ${why}`, {
      details: { id: original.id, status: original.status },
    })
  }

  async function replace(
    category: TransferCategory,
    kind: ReplacementKind,
    caller: Caller,
    walletId: string,
    id: string,
  ): Promise<TransferView> {
    const prepared = await deps.pipeline.prepare(caller, walletId, {})
    if (prepared.replayed) throw new Error('a replacement has no externalId to replay')
    const { wallet } = prepared
    const original = await deps.repository.find(caller.orgId, id)
    if (!original || original.walletId !== wallet.id || original.category !== category) {
      throw notFound(nouns[category], id, { walletId })
    }
    if (original.status !== 'Broadcasted' || original.nonce === null || original.txHash === null) {
      throw refuse(original, `is ${original.status}; only a Broadcasted one can be replaced`)
    }
    if (original.replacementId !== null)
      throw refuse(original, `was already replaced by ${original.replacementId}`)

    const network = requireNetwork(original.network)
    const rpc = deps.evm.rpcFor(network)
    let estimate: Eip1559Fee
    try {
      estimate = feeFor(await estimateEvmFees(rpc), 'Fast')
    } catch (err) {
      if (!(err instanceof RpcUnavailableError)) throw err
      throw new AppError(
        'service_unavailable',
        `${network.name} cannot be reached right now; nothing was sent.`,
        {
          details: { network: network.name },
        },
      )
    }
    const fee = bumpedFee(feesOf(original), estimate)
    const plan: TransferPlan =
      kind === 'CancelTransaction'
        ? {
            to: original.fromAddress,
            value: '0',
            data: '0x',
            ...(original.plan.type ? { type: original.plan.type } : {}),
          }
        : {
            ...original.plan,
            ...(original.plan.type === 'legacy' ? { gasPrice: fee.maxFeePerGas.toString() } : {}),
          }
    const gas =
      kind === 'CancelTransaction'
        ? 21_000n
        : BigInt(
            ((original.details ?? {}) as { gasLimit?: string }).gasLimit ?? original.plan.gasLimit ?? 21_000,
          )
    const tx = unsignedTransactionOf(plan, {
      chainId: network.chainId as number,
      nonce: original.nonce,
      gas,
      fee,
    })
    const signer = await deps.signerFor(wallet.orgId, wallet.id)
    const signedTx = await signEvmTransactionObject(signer, tx)
    const draft = deps.pipeline.draft(
      caller,
      wallet,
      network,
      { kind, txHash: original.txHash, signedTx },
      {
        ...plan,
        nonce: original.nonce,
        gasLimit: gas.toString(),
        replacementOf: original.id,
      },
    )
    const record: TransferRecord = {
      ...draft,
      cleared: true,
      nonce: original.nonce,
      signedTx,
      txHash: keccak256(signedTx as Hex),
      details: detailsOf(tx),
      replacesId: original.id,
    }
    const stored = await deps.db.transaction().execute(async (trx) => {
      if (!(await deps.repository.markReplaced(original.id, record.id, trx))) return false
      await deps.repository.insert(record, trx)
      await enqueueJob(
        { kind: EXECUTE_JOB, payload: { id: record.id }, dedupeKey: executeJobKey(record.id, 'replacement') },
        deps.clock,
        trx,
      )
      return true
    })
    if (!stored) {
      const now = (await deps.repository.findById(original.id)) ?? original
      throw refuse(
        now,
        now.replacementId ? `was already replaced by ${now.replacementId}` : `is ${now.status}`,
      )
    }
    deps.jobs.wake()
    return toTransferView((await deps.repository.findById(record.id)) ?? record)
  }

  return {
    forCategory(category: TransferCategory): Replacements {
      return {
        cancel: (caller, walletId, id) => replace(category, 'CancelTransaction', caller, walletId, id),
        speedUp: (caller, walletId, id) => replace(category, 'SpeedUpTransaction', caller, walletId, id),
      }
    },
  }
}
