import type { Transaction } from 'kysely'
import { type Hex, keccak256 } from 'viem'
import type { EvmEndpoints } from '../../../chains/evm/endpoints.ts'
import { type Eip1559Fee, estimateEvmFees, feeFor } from '../../../chains/evm/fees.ts'
import { RpcResponseError, RpcUnavailableError } from '../../../chains/evm/rpc.ts'
import { signEvmTransactionObject } from '../../../chains/evm/sign.ts'
import { requireNetwork } from '../../../chains/networks.ts'
import type { Clock } from '../../../clock.ts'
import type { KeySigner } from '../../../custody/index.ts'
import type { Db } from '../../../db/database.ts'
import type { Database } from '../../../db/schema.ts'
import type { ClaimedJob, JobHandler, RunAgain } from '../../../jobs/index.ts'
import { detailsOf, unsignedTransactionOf } from './plan.ts'
import type { TransferRecord, TransferRepository, TransferStatus, TransferUpdate } from './repository.ts'

export const EXECUTE_JOB = 'wallets.transfer.execute'

export interface ExecutorDeps {
  readonly db: Db
  readonly clock: Clock
  readonly repository: TransferRepository
  readonly evm: EvmEndpoints
  /** The signer of a wallet's key; throws when the key is gone. */
  signerFor(orgId: string, walletId: string): Promise<KeySigner>
  /**
   * Takes a request whose value never moved (never sent, reverted, cancelled) out of the velocity
   * windows, in the transaction that ends it.
   */
  release?(requestId: string, trx: Transaction<Database>): Promise<unknown>
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

  /** Ends a request Failed and, when its value did not move, out of the velocity windows. */
  async function fail(
    record: TransferRecord,
    reason: string,
    from: readonly TransferStatus[] = ['Executing'],
    extra: TransferUpdate = {},
    release = true,
  ): Promise<void> {
    await deps.db.transaction().execute(async (trx) => {
      const moved = await deps.repository.transition(
        record.id,
        from,
        { ...extra, status: 'Failed', reason },
        trx,
      )
      if (moved && release) await deps.release?.(record.id, trx)
    })
  }

  async function fees(record: TransferRecord): Promise<Eip1559Fee> {
    const { plan } = record
    if (plan.type === 'legacy' && plan.gasPrice !== undefined) {
      return { maxFeePerGas: BigInt(plan.gasPrice), maxPriorityFeePerGas: BigInt(plan.gasPrice) }
    }
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
    const maxFeePerGas = plan.maxFeePerGas !== undefined ? BigInt(plan.maxFeePerGas) : estimate.maxFeePerGas
    const tip =
      plan.maxPriorityFeePerGas !== undefined
        ? BigInt(plan.maxPriorityFeePerGas)
        : estimate.maxPriorityFeePerGas
    // A caller's fee cap below the estimated tip caps the tip too (a tip above the cap is invalid).
    return { maxFeePerGas, maxPriorityFeePerGas: tip < maxFeePerGas ? tip : maxFeePerGas }
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
          (await deps.repository.takeNonce(record.network, record.fromAddress, chainNonce, trx))
        // A nonce the caller fixed is used only when it is the sender's next one: a lower one would
        // sign a second transaction for a used nonce, a higher one leave a gap. Rolled back either way.
        if (!replaced && plan.nonce !== undefined && plan.nonce !== nonce) throw new NonceMismatch(nonce)
        const current = await deps.repository.findById(record.id, trx)
        if (current?.status !== 'Executing' || current.signedTx !== null) throw new AlreadySigned()
        const tx = unsignedTransactionOf(plan, { chainId: network.chainId as number, nonce, gas, fee })
        const signedTx = await signEvmTransactionObject(signer, tx)
        await deps.repository.transition(
          record.id,
          ['Executing'],
          { nonce, signedTx, txHash: keccak256(signedTx), details: detailsOf(tx) },
          trx,
        )
      })
      .catch(async (err) => {
        if (err instanceof NonceMismatch) {
          await fail(record, `nonce ${plan.nonce} is not the wallet's next nonce (${err.next})`)
          return
        }
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
      const dateConfirmed = now().toISOString()
      if (receipt.status === '0x1') {
        await deps.repository.transition(record.id, ['Broadcasted'], {
          status: 'Confirmed',
          fee,
          dateConfirmed,
        })
      } else {
        // It paid its fee but moved no value: out of the velocity windows.
        await fail(record, 'the transaction reverted on chain', ['Broadcasted'], { fee, dateConfirmed })
      }
      return undefined
    }
    const known = await rpc.request<unknown>('eth_getTransactionByHash', [record.txHash])
    if (known) return later()
    const replacement = record.replacementId
      ? await deps.repository.findById(record.replacementId)
      : undefined
    if (replacement && replacement.status !== 'Failed') {
      // Replaced in the mempool: sending the original again would fight its own replacement. It
      // ends when its nonce is mined (by the replacement, or by itself after all).
      const mined = Number(
        BigInt(await rpc.request<string>('eth_getTransactionCount', [record.fromAddress, 'latest'])),
      )
      if (mined <= (record.nonce ?? 0)) return later()
      const again = await rpc.request<Receipt | null>('eth_getTransactionReceipt', [record.txHash])
      if (again) return confirm(record)
      await endReplaced(record)
      return undefined
    }
    // The node no longer knows it (dropped from the mempool, or a dev chain restarted without it):
    // the same signed bytes go out again, which is safe whatever happened to the first copy.
    try {
      await rpc.request('eth_sendRawTransaction', [record.signedTx])
    } catch (err) {
      if (err instanceof RpcResponseError && isNonceTooLow(err)) {
        const again = await rpc.request<Receipt | null>('eth_getTransactionReceipt', [record.txHash])
        if (again) return confirm(record)
        await endReplaced(record)
        return undefined
      }
      if (!(err instanceof RpcResponseError && isAlreadyKnown(err))) throw err
    }
    return later()
  }

  /**
   * Its nonce went to another transaction. Replaced by a speed-up, its value moved with the
   * replacement and keeps counting in the velocity windows; cancelled or dropped, it moved nothing.
   */
  async function endReplaced(record: TransferRecord): Promise<void> {
    const replacement = record.replacementId
      ? await deps.repository.findById(record.replacementId)
      : undefined
    if (replacement) {
      const speedUp = replacement.requestBody.kind === 'SpeedUpTransaction'
      await fail(record, `replaced by ${replacement.id}`, ['Broadcasted'], {}, !speedUp)
      return
    }
    await fail(record, `dropped: nonce ${record.nonce} was used by another transaction`, ['Broadcasted'])
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
class NonceMismatch extends Error {
  constructor(readonly next: number) {
    super(`next nonce is ${next}`)
  }
}
