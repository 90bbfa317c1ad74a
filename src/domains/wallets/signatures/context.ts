import type { Clock } from '../../../clock.ts'
import type { KeyStore } from '../../../custody/index.ts'
import type { Db } from '../../../db/database.ts'
import type { KeyRecord, KeyRepository } from '../keys/repository.ts'
import type { Caller, Governance } from '../shared.ts'
import type { SignatureRepository } from './repository.ts'

/**
 * A wallet as a signature request sees it. Signature requests do not know the wallet service:
 * the wallets domain hands them its wallets through `WalletLookup` and `SignaturesContext.wallets`.
 */
export interface SigningWallet {
  readonly id: string
  readonly keyId: string
  readonly network: string
  readonly status: string
  readonly tags: readonly string[]
}

/** The caller's wallet, or a 404 (the wallet service's `requireWallet`); with its key in one read. */
export interface WalletLookup {
  requireWallet(caller: Caller, walletId: string): Promise<SigningWallet>
  requireWalletWithKey(caller: Caller, walletId: string): Promise<{ wallet: SigningWallet; key: KeyRecord }>
}

/** What the signature service and its execution need; built once by `createWalletsModule`. */
export interface SignaturesContext {
  readonly db: Db
  readonly clock: Clock
  readonly keyStore: KeyStore
  readonly keys: KeyRepository
  readonly signatures: SignatureRepository
  /** The wallets on a key (a key-route signature is governed as one of each of them). */
  readonly wallets: { listByKey(orgId: string, keyId: string): Promise<readonly SigningWallet[]> }
  readonly governance?: Governance
  /** How long an `Executing` signature request may take before it counts as interrupted. */
  readonly executionLeaseMs: number
}
