import type { TransferRecord } from './repository.ts'
import type { TransferView } from './schemas.ts'

/**
 * A stored request as the API shows it: a `TransferRequest` (with `metadata`) for transfers, a
 * `TransactionRequest` for transactions, cancels and speed-ups. The hash appears once the signed
 * transaction left walletd (`Broadcasted` or later), never while it is only stored.
 */
export function toTransferView(record: TransferRecord): TransferView {
  return {
    id: record.id,
    walletId: record.walletId,
    network: record.network,
    requester: { ...record.requester },
    requestBody: record.requestBody,
    ...(record.category === 'transfer'
      ? { metadata: (record.metadata ?? {}) as NonNullable<TransferView['metadata']> }
      : {}),
    status: record.status,
    ...(record.reason !== null ? { reason: record.reason } : {}),
    ...(record.txHash !== null && record.status !== 'Executing' ? { txHash: record.txHash } : {}),
    ...(record.fee !== null ? { fee: record.fee } : {}),
    dateRequested: record.dateRequested,
    ...(record.datePolicyResolved ? { datePolicyResolved: record.datePolicyResolved } : {}),
    ...(record.dateBroadcasted ? { dateBroadcasted: record.dateBroadcasted } : {}),
    ...(record.dateConfirmed ? { dateConfirmed: record.dateConfirmed } : {}),
    ...(record.approvalId !== null ? { approvalId: record.approvalId } : {}),
    ...(record.externalId !== null ? { externalId: record.externalId } : {}),
    ...(record.replacementId !== null ? { replacementId: record.replacementId } : {}),
    ...(record.details ? { details: record.details } : {}),
  }
}
