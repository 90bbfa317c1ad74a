import type { FastifyInstance } from 'fastify'
import type { Clock } from '../../clock.ts'
import type { ImportSigner, KeyStore } from '../../custody/index.ts'
import type { Db } from '../../db/database.ts'
import type { OperationSource } from '../../http/permission-guard.ts'
import type { WalletsContext } from './context.ts'
import { createKeyRepository } from './keys/repository.ts'
import { registerKeyRoutes } from './keys/routes.ts'
import { createKeyService, type KeyService } from './keys/service.ts'
import { createWalletRepository, type WalletRepository } from './repository.ts'
import { registerWalletRoutes } from './routes.ts'
import { createWalletService, type WalletService } from './service.ts'
import type { FeatureGate, Governance, PeopleDirectory } from './shared.ts'
import { EXECUTION_LEASE_MARGIN_MS } from './signatures/execution.ts'
import { createSignatureRepository } from './signatures/repository.ts'
import { registerSignatureRoutes } from './signatures/routes.ts'
import { createSignatureService, type SignatureService } from './signatures/service.ts'

/*
 * The service interface other domains use; nothing else of this area is imported from outside it.
 * - `WalletView`: the wallet as the API shows it (the auth domain answers a registration with one).
 * - The key, wallet, signature-request and transfer repositories, their records and the API views
 *   of them: the webhooks domain wraps the repositories (`decorateRepositories`, and the transfers
 *   module's `decorateRepository`) so that their writes emit events, carrying those views, in the
 *   same transaction; the emulator's seed writes keys and wallets.
 */
export { createKeyRepository, type KeyRecord, type KeyRepository } from './keys/repository.ts'
export { toKeyView } from './keys/views.ts'
export { createWalletRepository, type WalletRecord, type WalletRepository } from './repository.ts'
export { WalletView } from './schemas.ts'
export {
  createSignatureRepository,
  type SignatureRecord,
  type SignatureRepository,
  type SignatureStatus,
} from './signatures/repository.ts'
export { toSignatureView } from './signatures/service.ts'
export type { TransferRecord, TransferRepository, TransferStatus } from './transfers/repository.ts'
export { toTransferView } from './transfers/views.ts'
export { toWalletView } from './views.ts'

type Repositories = Pick<WalletsContext, 'keys' | 'wallets' | 'signatures'>

export interface WalletsModule {
  /** Wallets; the key and signature services sit beside it. */
  readonly service: WalletService
  readonly keys: KeyService
  readonly signatures: SignatureService
  /** For seeding (benchmarks, fixtures) without the API. */
  readonly walletRepository: WalletRepository
  registerRoutes(app: FastifyInstance): void
}

/**
 * Wallets, keys, signature requests and key export/import. Keys live in `keyStore`; signatures are produced by src/chains; signature requests on
 * wallets pass through `governance` (the policy engine) when given.
 */
export function createWalletsModule(deps: {
  db: Db
  clock: Clock
  keyStore: KeyStore
  importSigner: ImportSigner
  people: PeopleDirectory
  plans: FeatureGate
  operations: OperationSource
  governance?: Governance
  /** Wraps the repositories (the webhooks module emits events from their writes). */
  decorateRepositories?: (repositories: Repositories) => Repositories
  /** The longest a price lookup may take (a signature request's lease covers it); default 2 s. */
  priceTimeoutMs?: number
}): WalletsModule {
  const base: Repositories = {
    keys: createKeyRepository(deps.db),
    wallets: createWalletRepository(deps.db),
    signatures: createSignatureRepository(deps.db),
  }
  const ctx: WalletsContext = {
    ...deps,
    ...(deps.decorateRepositories?.(base) ?? base),
    executionLeaseMs: (deps.priceTimeoutMs ?? 2000) + EXECUTION_LEASE_MARGIN_MS,
  }
  const keys = createKeyService(ctx)
  const wallets = createWalletService(ctx, keys)
  const signatures = createSignatureService(ctx, keys, wallets)
  // Signature requests left Pending by a policy are executed (or rejected) when their approval
  // resolves. Other governed requests (transfers, transactions) are not ours to handle.
  deps.governance?.onWalletApprovalResolved(async (resolved) => {
    if (resolved.requestId.startsWith('sig-')) await signatures.onApprovalResolved(resolved)
  })
  return {
    service: wallets,
    keys,
    signatures,
    walletRepository: ctx.wallets,
    registerRoutes(app) {
      registerWalletRoutes(app, wallets)
      registerKeyRoutes(app, keys)
      registerSignatureRoutes(app, signatures)
    },
  }
}
