/**
 * Where events come from: the wallets, keys and signature-request repositories, wrapped so that
 * each change that causes an event writes it (through `emitEvent`) in the same transaction as the
 * change. A write the caller already runs in a transaction joins it; a lone write gets its own.
 * Wrapping the repositories, rather than editing every service path, keeps every path that
 * changes a row covered, including paths added later.
 *
 * Decisions (the Dfns reference leaves them open):
 *   - a wallet's events carry `{ wallet: Wallet }`, a key's `{ key: Key }`, a signature request's
 *     `{ signatureRequest: SignatureRequest }`, as the API returns them at that moment;
 *   - exporting or delegating a key exports or delegates every wallet on it, so each of those
 *     wallets gets `wallet.exported` / `wallet.delegated` besides the key's `key.*` event;
 *   - signature requests made on a key (`/keys/:id/signatures`) emit `wallet.signature.*` too:
 *     Dfns has no `key.signature.*` kind and integrators follow one request lifecycle.
 */
import { commitOnlyIf, type Db } from '../../db/database.ts'
import {
  createKeyRepository,
  createSignatureRepository,
  createWalletRepository,
  type KeyRecord,
  type KeyRepository,
  type SignatureRecord,
  type SignatureRepository,
  type SignatureStatus,
  toKeyView,
  toSignatureView,
  toWalletView,
  type WalletRecord,
  type WalletRepository,
} from '../wallets/index.ts'
import type { EmitEvent } from './emit.ts'
import { type Executor, noEnabledWebhook, noEnabledWebhookIn } from './repository.ts'
import type { WebhookEventKind } from './schemas.ts'

export interface EventSourceRepositories {
  readonly keys: KeyRepository
  readonly wallets: WalletRepository
  readonly signatures: SignatureRepository
}

const signatureKinds: Partial<Record<SignatureStatus, WebhookEventKind>> = {
  Signed: 'wallet.signature.signed',
  Failed: 'wallet.signature.failed',
  Rejected: 'wallet.signature.rejected',
}

export function emittingRepositories(
  db: Db,
  base: EventSourceRepositories,
  emit: EmitEvent,
): EventSourceRepositories {
  /** Runs `work` in the caller's transaction when there is one, else in a new one. */
  const within = <T>(trx: Executor | undefined, work: (trx: Executor) => Promise<T>): Promise<T> =>
    trx ? work(trx) : db.transaction().execute(work)

  async function emitWallet(
    kind: WebhookEventKind,
    wallet: WalletRecord,
    key: KeyRecord | undefined,
    trx: Executor,
  ) {
    const owner = key ?? (await createKeyRepository(trx).find(wallet.orgId, wallet.keyId))
    if (!owner) return
    await emit({ orgId: wallet.orgId, kind, data: { wallet: toWalletView(wallet, owner) } }, trx)
  }

  async function emitKey(kind: WebhookEventKind, orgId: string, keyId: string, trx: Executor) {
    const key = await createKeyRepository(trx).find(orgId, keyId)
    if (!key) return undefined
    await emit({ orgId, kind, data: { key: toKeyView(key) } }, trx)
    return key
  }

  async function emitWalletsOfKey(kind: WebhookEventKind, orgId: string, keyId: string, trx: Executor) {
    const key = await createKeyRepository(trx).find(orgId, keyId)
    if (!key) return
    for (const wallet of await createWalletRepository(trx).listByKey(orgId, keyId)) {
      if (wallet.status !== 'Archived') await emitWallet(kind, wallet, key, trx)
    }
  }

  const keys: KeyRepository = {
    ...base.keys,
    insert: (key, trx) =>
      within(trx, async (t) => {
        await base.keys.insert(key, t)
        await emit({ orgId: key.orgId, kind: 'key.created', data: { key: toKeyView(key) } }, t)
      }),
    archive: (orgId, keyId, date, trx) =>
      within(trx, async (t) => {
        const done = await base.keys.archive(orgId, keyId, date, t)
        if (done) await emitKey('key.deleted', orgId, keyId, t)
        return done
      }),
    markExported: (orgId, keyId, date) =>
      within(undefined, async (t) => {
        const done = await createKeyRepository(t).markExported(orgId, keyId, date)
        if (done) {
          await emitKey('key.exported', orgId, keyId, t)
          await emitWalletsOfKey('wallet.exported', orgId, keyId, t)
        }
        return done
      }),
    delegate: (orgId, keyId, userId, trx) =>
      within(trx, async (t) => {
        const done = await base.keys.delegate(orgId, keyId, userId, t)
        if (done) await emitKey('key.delegated', orgId, keyId, t)
        return done
      }),
  }

  const wallets: WalletRepository = {
    ...base.wallets,
    insert: (wallet, trx) =>
      within(trx, async (t) => {
        await base.wallets.insert(wallet, t)
        await emitWallet('wallet.created', wallet, undefined, t)
      }),
    changeTags: (orgId, walletId, change) =>
      within(undefined, async (t) => {
        let changed = false
        await createWalletRepository(t).changeTags(orgId, walletId, (current) => {
          const next = change(current)
          changed = JSON.stringify(next) !== JSON.stringify(current)
          return next
        })
        if (!changed) return
        const wallet = await createWalletRepository(t).find(orgId, walletId)
        if (wallet) await emitWallet('wallet.tags.modified', wallet, undefined, t)
      }),
    delegateByKey: (orgId, keyId, userId, trx) =>
      within(trx, async (t) => {
        await base.wallets.delegateByKey(orgId, keyId, userId, t)
        await emitWalletsOfKey('wallet.delegated', orgId, keyId, t)
      }),
  }

  const signatures: SignatureRepository = {
    ...base.signatures,
    insert: async (record, trx) => {
      const requested = async (t: Executor) => {
        if (!(await createSignatureRepository(t).insert(record))) return false
        await emit(
          {
            orgId: record.orgId,
            kind: 'wallet.signature.requested',
            data: { signatureRequest: toSignatureView(record) },
          },
          t,
        )
        return true
      }
      // In the caller's transaction, which the caller rolls back on false (see the repository).
      return trx ? requested(trx) : commitOnlyIf(db, requested)
    },
    // In an org without an enabled webhook, no event is owed: the insert checks that as it writes.
    // Otherwise both events, requested then signed, in the caller's transaction.
    insertSigned: async (requested, signed, trx) => {
      const stored = await base.signatures.insertIf(signed, noEnabledWebhook, trx)
      if (stored !== 'unmet') return stored
      const announced = async (t: Executor) => {
        if (!(await createSignatureRepository(t).insert(signed))) return false
        const event = (kind: WebhookEventKind, record: SignatureRecord) =>
          emit({ orgId: record.orgId, kind, data: { signatureRequest: toSignatureView(record) } }, t)
        await event('wallet.signature.requested', requested)
        await event('wallet.signature.signed', signed)
        return true
      }
      return trx ? announced(trx) : commitOnlyIf(db, announced)
    },
    // Inside the caller's transaction when given (a failure and its velocity release commit together).
    transition: async (orgId, id, from, update, trx) => {
      const kind = signatureKinds[update.status]
      if (!kind) return base.signatures.transition(orgId, id, from, update, trx)
      // Alone, in an org without an enabled webhook, the change owes no event: one statement that
      // checks there is none as it writes. Otherwise (or if the request had moved) as below.
      if (!trx) {
        const quiet = await base.signatures.transitionIf(orgId, id, from, update, noEnabledWebhookIn(orgId))
        if (quiet) return quiet
      }
      return within(trx, async (t) => {
        const moved = await createSignatureRepository(t).transition(orgId, id, from, update)
        if (moved) await emit({ orgId, kind, data: { signatureRequest: toSignatureView(moved) } }, t)
        return moved
      })
    },
  }

  return { keys, wallets, signatures }
}
