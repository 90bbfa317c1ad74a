import { AppError } from '../../errors.ts'
import type { KeyRecord } from './keys/repository.ts'
import type { WalletRecord } from './repository.ts'
import type { WalletView } from './schemas.ts'

/** The Wallet object of the reference: address absent for Key* networks, key hex without 0x. */
export function toWalletView(wallet: WalletRecord, key: KeyRecord): WalletView {
  return {
    id: wallet.id,
    network: wallet.network,
    ...(wallet.address !== null ? { address: wallet.address } : {}),
    signingKey: {
      id: key.id,
      scheme: key.scheme,
      curve: key.curve,
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
