import { AppError } from '../../errors.ts'
import type { KeyRecord } from './keys/repository.ts'
import type { WalletRecord } from './repository.ts'
import type { KeyView, WalletView } from './schemas.ts'

/** The Wallet object of the reference: address absent for Key* networks, key hex without 0x. */
export function toWalletView(wallet: WalletRecord, key: KeyRecord): WalletView {
  return {
    id: wallet.id,
    network: wallet.network,
    ...(wallet.address !== null ? { address: wallet.address } : {}),
    signingKey: {
      id: key.id,
      scheme: key.scheme as WalletView['signingKey']['scheme'],
      curve: key.curve as WalletView['signingKey']['curve'],
      publicKey: key.publicKey,
      ...(key.delegatedTo ? { delegatedTo: key.delegatedTo } : {}),
    },
    status: wallet.status,
    dateCreated: wallet.dateCreated,
    ...(wallet.dateDeleted ? { dateDeleted: wallet.dateDeleted } : {}),
    ...(wallet.name !== null ? { name: wallet.name } : {}),
    custodial: key.delegatedTo === null,
    ...(wallet.externalId !== null ? { externalId: wallet.externalId } : {}),
    tags: [...wallet.tags],
  }
}

export function toKeyView(key: KeyRecord): KeyView {
  return {
    id: key.id,
    scheme: key.scheme as KeyView['scheme'],
    curve: key.curve as KeyView['curve'],
    publicKey: key.publicKey,
    masterKey: false,
    ...(key.name !== null ? { name: key.name } : {}),
    status: key.status,
    custodial: key.delegatedTo === null,
    dateCreated: key.dateCreated,
    imported: key.imported,
    exported: key.exported,
    ...(key.dateExported ? { dateExported: key.dateExported } : {}),
    ...(key.dateDeleted ? { dateDeleted: key.dateDeleted } : {}),
  }
}

/** A key row that a wallet row points to must exist; a missing one is corruption, not a 404. */
export function keyOfWallet(wallet: WalletRecord, keys: Map<string, KeyRecord>): KeyRecord {
  const key = keys.get(wallet.keyId)
  if (!key) {
    throw new AppError('internal', undefined, {
      cause: new Error(`wallet ${wallet.id} points to missing key ${wallet.keyId}`),
    })
  }
  return key
}
