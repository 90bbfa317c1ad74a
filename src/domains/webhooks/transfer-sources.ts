/**
 * Transfer and transaction requests as event sources: the transfers repository wrapped like the
 * wallet ones (sources.ts), so each stored request and each status it reaches writes its event in
 * the same transaction. `transfer` requests emit `wallet.transfer.*` with `{transferRequest}`,
 * `transaction` requests `wallet.transaction.*` with `{transactionRequest}`; `Pending` and
 * `Executing` are internal steps and emit nothing.
 */
import type { Db } from '../../db/database.ts'
import type { TransferRecord, TransferRepository, TransferStatus } from '../wallets/index.ts'
import { toTransferView } from '../wallets/index.ts'
import type { EmitEvent } from './emit.ts'
import type { Executor } from './repository.ts'
import type { WebhookEventKind } from './schemas.ts'

const suffixes: Partial<Record<TransferStatus, string>> = {
  Broadcasted: 'broadcasted',
  Confirmed: 'confirmed',
  Failed: 'failed',
  Rejected: 'rejected',
}

function eventOf(record: TransferRecord, suffix: string) {
  const transaction = record.category === 'transaction'
  return {
    orgId: record.orgId,
    kind: `wallet.${transaction ? 'transaction' : 'transfer'}.${suffix}` as WebhookEventKind,
    data: { [transaction ? 'transactionRequest' : 'transferRequest']: toTransferView(record) },
  }
}

export function emittingTransfers(db: Db, base: TransferRepository, emit: EmitEvent): TransferRepository {
  const within = <T>(trx: Executor | undefined, work: (trx: Executor) => Promise<T>): Promise<T> =>
    trx ? work(trx) : db.transaction().execute(work)
  return {
    ...base,
    insert: (record, executor) =>
      within(executor, async (t) => {
        const inserted = await base.insert(record, t)
        if (inserted) await emit(eventOf(record, 'requested'), t)
        return inserted
      }),
    transition: (id, from, update, executor) =>
      within(executor, async (t) => {
        const moved = await base.transition(id, from, update, t)
        const suffix = update.status === undefined ? undefined : suffixes[update.status]
        if (moved && suffix) {
          const record = await base.findById(id, t)
          if (record) await emit(eventOf(record, suffix), t)
        }
        return moved
      }),
  }
}
