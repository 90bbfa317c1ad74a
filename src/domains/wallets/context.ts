import type { KeysContext } from './keys/service.ts'
import type { WalletRepository } from './repository.ts'
import type { SignaturesContext } from './signatures/context.ts'

/**
 * Everything the wallet service needs, built once by `createWalletsModule`: what the key and
 * signature services need (each declares its own), and the wallet repository itself, which serves
 * them as the wallets of a key.
 */
export interface WalletsContext extends KeysContext, SignaturesContext {
  readonly wallets: WalletRepository
}
