import type { AccessList, Hex, TransactionSerializable } from 'viem'
import type { Eip1559Fee } from '../../../chains/evm/fees.ts'
import type { TransferPlan } from './repository.ts'

/** What the executor decided when it signed: the parts of the transaction not in the plan. */
export interface Signing {
  readonly chainId: number
  readonly nonce: number
  readonly gas: bigint
  readonly fee: Eip1559Fee
}

/**
 * The transaction a plan describes, ready to sign. EIP-1559 unless the caller sent a legacy
 * serialized transaction, which stays legacy (its gas price is the fee cap walletd estimated when the
 * caller left it empty).
 */
export function unsignedTransactionOf(plan: TransferPlan, signing: Signing): TransactionSerializable {
  const common = {
    chainId: signing.chainId,
    nonce: signing.nonce,
    ...(plan.to ? { to: plan.to as Hex } : {}),
    value: BigInt(plan.value),
    data: plan.data as Hex,
    gas: signing.gas,
  }
  if (plan.type === 'legacy') {
    return {
      ...common,
      type: 'legacy',
      gasPrice: plan.gasPrice !== undefined ? BigInt(plan.gasPrice) : signing.fee.maxFeePerGas,
    }
  }
  return {
    ...common,
    type: 'eip1559',
    maxFeePerGas: signing.fee.maxFeePerGas,
    maxPriorityFeePerGas: signing.fee.maxPriorityFeePerGas,
    ...(plan.accessList && plan.accessList.length > 0 ? { accessList: plan.accessList as AccessList } : {}),
  }
}

/** The `details` a request shows once signed (nonce and gas parameters, as decimal strings). */
export function detailsOf(tx: TransactionSerializable): Record<string, unknown> {
  return {
    nonce: tx.nonce,
    gasLimit: String(tx.gas),
    ...(tx.type === 'legacy'
      ? { gasPrice: String(tx.gasPrice) }
      : {
          maxFeePerGas: String((tx as { maxFeePerGas: bigint }).maxFeePerGas),
          maxPriorityFeePerGas: String((tx as { maxPriorityFeePerGas: bigint }).maxPriorityFeePerGas),
        }),
  }
}
