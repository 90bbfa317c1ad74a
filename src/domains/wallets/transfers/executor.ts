import { type Hex, keccak256, type TransactionSerializableEIP1559 } from 'viem'
import type { EvmEndpoints } from '../../../chains/evm/endpoints.ts'
import { type Eip1559Fee, estimateEvmFees, feeFor } from '../../../chains/evm/fees.ts'
import { RpcResponseError, RpcUnavailableError } from '../../../chains/evm/rpc.ts'
import { signEvmTransactionObject } from '../../../chains/evm/sign.ts'
import { requireNetwork } from '../../../chains/networks.ts'
import type { Clock } from '../../../clock.ts'
import type { KeySigner } from '../../../custody/index.ts'
import type { Db } from '../../../db/database.ts'
import type { ClaimedJob, JobHandler, RunAgain } from '../../../jobs/index.ts'
import type { TransferRecord, TransferRepository, TransferStatus } from './repository.ts'

export const EXECUTE_JOB = 'wallets.transfer.execute'

export interface ExecutorDeps {
  readonly db: Db
  readonly clock: Clock
  readonly repository: TransferRepository
  readonly evm: EvmEndpoints
  /** The signer of a wallet's key; throws when the key is gone. */
  signerFor(orgId: string, walletId: string): Promise<KeySigner>
  /** Takes a request that will never reach the chain out of the velocity windows. */
  release?(requestId: string): Promise<unknown>
  /** How long to wait between receipt checks of a broadcast transaction. */
  readonly confirmPollMs?: number
}

/** The chain said no to this exact transaction; sending it again will not change its mind soon. */
class Refused extends Error {
  override name = 'Refused'
}

interface Receipt {
  status: string
  gasUsed: string
  effectiveGasPrice: string
  blockNumber: string
}

const refusal = (err: RpcResponseError) => err.message.slice(0, 300)

function isAlreadyKnown(err: RpcResponseError): boolean {
  return /already known|known transaction|alreadyknown|already imported/i.test(err.message)
}
function isNonceTooLow(err: RpcResponseError): boolean {
  return /nonce too low|nonce.*already been used|oldnonce/i.test(err.message)
}

/**
 * The life of an accepted request on chain, run as one job per request (`{ id }`) and written as a
 * state machine over the stored row, so a run interrupted anywhere (kill -9) resumes correctly:
 *   Executing, unsigned  → estimate gas and fees; take a nonce and store the signed bytes together;
 *   Executing, signed    → broadcast those bytes (a rebroadcast after a crash sends the same ones);
 *   Broadcasted          → poll the receipt: Confirmed, or Failed when it reverted; a transaction
 *                          the node forgot (dev chain restarted) is broadcast again, same bytes.
 */
export function createTransferExecutor(deps: ExecutorDeps): JobHandler<{ id: string }> {
  const pollMs = deps.confirmPollMs ?? 1000
  const now = () => deps.clock.now()
  const later = (): RunAgain => ({ runAgainAt: new Date(now().getTime() + pollMs) })

  async function fail(
    record: TransferRecord,
    reason: string,
    from: readonly TransferStatus[] = ['Executing'],
  ): Promise<void> {
    await deps.repository.transition(record.id, from, { status: 'Failed', reason })
    await deps.release?.(record.id)
  }

  async function fees(record: TransferRecord): Promise<Eip1559Fee> {
    const { plan } = record
    if (plan.maxFeePerGas !== undefined && plan.maxPriorityFeePerGas !== undefined) {
      return {
        maxFeePerGas: BigInt(plan.maxFeePerGas),
        maxPriorityFeePerGas: BigInt(plan.maxPriorityFeePerGas),
      }
    }
    const estimate = feeFor(
      await estimateEvmFees(deps.evm.rpcFor(requireNetwork(record.network))),
      plan.priority,
    )
    return {
      maxFeePerGas: plan.maxFeePerGas !== undefined ? BigInt(plan.maxFeePerGas) : estimate.maxFeePerGas,
      maxPriorityFeePerGas:
        plan.maxPriorityFeePerGas !== undefined
          ? BigInt(plan.maxPriorityFeePerGas)
          : estimate.maxPriorityFeePerGas,
    }
  }

  /** Returns false when the request ended (Failed) instead of being signed. */
  async function sign(record: TransferRecord): Promise<boolean> {
    const network = requireNetwork(record.network)
    const rpc = deps.evm.rpcFor(network)
    const { plan } = record
    const from = record.fromAddress as Hex
    const call = {
      from,
      ...(plan.to ? { to: plan.to as Hex } : {}),
      value: `0x${BigInt(plan.value).toString(16)}`,
      data: plan.data as Hex,
    }
    let gas: bigint
    if (plan.gasLimit !== undefined) {
      gas = BigInt(plan.gasLimit)
    } else {
      try {
        const estimate = BigInt(await rpc.request<string>('eth_estimateGas', [call]))
        // A plain value transfer costs exactly its estimate; contract calls get headroom, since
        // state may change between the estimate and the block.
        gas = plan.data === '0x' ? estimate : (estimate * 12n) / 10n
      } catch (err) {
        if (err instanceof RpcResponseError) {
          await fail(record, `the transaction would fail: ${refusal(err)}`)
          return false
        }
        throw err
      }
    }
    const fee = await fees(record)
    const signer = await deps.signerFor(record.orgId, record.walletId).catch(async (err) => {
      await fail(record, 'the wallet key is no longer available')
      throw err
    })
    const chainNonce = Number(BigInt(await rpc.request<string>('eth_getTransactionCount', [from, 'pending'])))
    const replaced = plan.replacementOf ? await deps.repository.findById(plan.replacementOf) : undefined
    await deps.db
      .transaction()
      .execute(async (trx) => {
        // The nonce row lock first: a twin run of this request waits here, then sees it signed.
        const nonce =
          replaced?.nonce ??
          plan.nonce ??
          (await deps.repository.takeNonce(trx, record.network, record.fromAddress, chainNonce))
        const current = await deps.repository.findById(record.id, trx)
        if (current?.status !== 'Executing' || current.signedTx !== null) throw new AlreadySigned()
        const tx: TransactionSerializableEIP1559 = {
          type: 'eip1559',
          chainId: network.chainId as number,
          nonce,
          ...(plan.to ? { to: plan.to as Hex } : {}),
          value: BigInt(plan.value),
          data: plan.data as Hex,
          gas,
          maxFeePerGas: fee.maxFeePerGas,
          maxPriorityFeePerGas: fee.maxPriorityFeePerGas,
        }
        const signedTx = await signEvmTransactionObject(signer, tx)
        await deps.repository.transition(
          record.id,
          ['Executing'],
          {
            nonce,
            signedTx,
            txHash: keccak256(signedTx),
            details: {
              nonce,
              gasLimit: gas.toString(),
              maxFeePerGas: fee.maxFeePerGas.toString(),
              maxPriorityFeePerGas: fee.maxPriorityFeePerGas.toString(),
            },
          },
          trx,
        )
      })
      .catch((err) => {
        if (!(err instanceof AlreadySigned)) throw err
      })
    return true
  }

  async function broadcast(record: TransferRecord): Promise<void> {
    const rpc = deps.evm.rpcFor(requireNetwork(record.network))
    try {
      await rpc.request('eth_sendRawTransaction', [record.signedTx])
    } catch (err) {
      if (!(err instanceof RpcResponseError) || isAlreadyKnown(err)) {
        if (err instanceof RpcResponseError) return markBroadcasted(record)
        throw err // the RPC is unreachable: retried with backoff
      }
      if (isNonceTooLow(err)) {
        // Either this very transaction was mined already (a rebroadcast), or another one took the nonce.
        const receipt = await rpc.request<Receipt | null>('eth_getTransactionReceipt', [record.txHash])
        if (receipt) return markBroadcasted(record)
        await fail(record, `nonce ${record.nonce} was used by another transaction`)
        return
      }
      throw new Refused(refusal(err))
    }
    await markBroadcasted(record)
  }

  async function markBroadcasted(record: TransferRecord): Promise<void> {
    await deps.repository.transition(record.id, ['Executing'], {
      status: 'Broadcasted',
      dateBroadcasted: now().toISOString(),
    })
  }

  async function confirm(record: TransferRecord): Promise<RunAgain | undefined> {
    const rpc = deps.evm.rpcFor(requireNetwork(record.network))
    const receipt = await rpc.request<Receipt | null>('eth_getTransactionReceipt', [record.txHash])
    if (receipt) {
      const fee = (BigInt(receipt.gasUsed) * BigInt(receipt.effectiveGasPrice)).toString()
      const ok = receipt.status === '0x1'
      await deps.repository.transition(record.id, ['Broadcasted'], {
        status: ok ? 'Confirmed' : 'Failed',
        fee,
        dateConfirmed: now().toISOString(),
        ...(ok ? {} : { reason: 'the transaction reverted on chain' }),
      })
      return undefined
    }
    const known = await rpc.request<unknown>('eth_getTransactionByHash', [record.txHash])
    if (known) return later()
    // The node no longer knows it (dropped from the mempool, or a dev chain restarted without it):
    // the same signed bytes go out again, which is safe whatever happened to the first copy.
    try {
      await rpc.request('eth_sendRawTransaction', [record.signedTx])
    } catch (err) {
      if (err instanceof RpcResponseError && isNonceTooLow(err)) {
        const again = await rpc.request<Receipt | null>('eth_getTransactionReceipt', [record.txHash])
        if (again) return confirm(record)
        await fail(
          record,
          record.replacementId
            ? `replaced by ${record.replacementId}`
            : `dropped: nonce ${record.nonce} was used by another transaction`,
          ['Broadcasted'],
        )
        return undefined
      }
      if (!(err instanceof RpcResponseError && isAlreadyKnown(err))) throw err
    }
    return later()
  }

  return {
    // Chain calls can be slow; a minute is far above a healthy run.
    leaseMs: 60_000,
    async run(job: ClaimedJob<{ id: string }>) {
      let record = await deps.repository.findById(job.payload.id)
      if (!record) return undefined
      if (record.status === 'Executing' && !record.cleared) {
        // The fallback job of a request whose node stopped between storing it and asking the
        // policies: it was never let through, so it must not reach the chain.
        await fail(record, 'interrupted before its policies were evaluated')
        return undefined
      }
      if (record.status === 'Executing' && record.signedTx === null) {
        if (!(await sign(record))) return undefined
        record = await deps.repository.findById(record.id)
        if (!record) return undefined
      }
      if (record.status === 'Executing' && record.signedTx !== null) {
        await broadcast(record)
        record = await deps.repository.findById(record.id)
        if (!record) return undefined
      }
      if (record.status === 'Broadcasted') return confirm(record)
      return undefined
    },
    retryAt(error, job, at) {
      // An unreachable RPC is waited out for about an hour; a refusal is retried a few times (the
      // funds or an earlier nonce may arrive), then the request fails.
      const limit = error instanceof Refused ? 6 : error instanceof RpcUnavailableError ? 20 : 10
      if (job.attempt >= limit) return undefined
      return new Date(at.getTime() + Math.min(300_000, 1000 * 2 ** (job.attempt - 1)))
    },
    async onDead(error, job) {
      const record = await deps.repository.findById(job.payload.id)
      if (!record || (record.status !== 'Executing' && record.status !== 'Broadcasted')) return
      const reason =
        error instanceof Refused
          ? `the network refused the transaction: ${error.message}`
          : error instanceof RpcUnavailableError
            ? 'the network could not be reached'
            : 'the transaction could not be processed'
      if (record.status === 'Executing') {
        await fail(record, reason)
        // Never broadcast: its nonce can go to the next request, unless one was taken since.
        if (record.nonce !== null && !record.plan.replacementOf && record.plan.nonce === undefined) {
          await deps.repository.returnNonce(record.network, record.fromAddress, record.nonce)
        }
      }
    },
  }
}

class AlreadySigned extends Error {}
