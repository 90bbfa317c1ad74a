import type { Clock } from '../../clock.ts'
import type { ImportSigner, KeyStore } from '../../custody/index.ts'
import type { Db } from '../../db/database.ts'
import type { Caller } from '../../http/context.ts'
import type { OperationSource } from '../../http/permission-guard.ts'
import type { KeyRepository } from './keys/repository.ts'
import type { WalletGovernance } from '../policies/governance.ts'
import type { SignatureRepository } from './signatures/repository.ts'
import type { WalletRepository } from './repository.ts'

/** The people of an org, as far as wallets need them: delegation targets and `owner` filters. */
export interface PeopleDirectory {
  find(orgId: string, userId: string): Promise<{ id: string; kind: string } | undefined>
  findByUsername(orgId: string, username: string): Promise<{ id: string; kind: string } | undefined>
}

/** The plans domain's gate (402 naming the feature when the org's plan lacks it). */
export interface FeatureGate {
  requireFeature(orgId: string, feature: 'walletExport' | 'walletImport'): Promise<void>
}

/**
 * The policy engine's entry point for governed wallet requests (src/domains/policies/governance.ts).
 * Optional so walletd can run the wallets domain without policies; when absent every request
 * proceeds, exactly as an org without Wallets:Sign policies.
 */
export type Governance = Pick<
  WalletGovernance,
  'governWalletRequest' | 'onWalletApprovalResolved' | 'releaseWalletRequest'
>

/** Everything the wallets, keys and signatures services share; built once by `createWalletsDomain`. */
export interface WalletsContext {
  readonly db: Db
  readonly clock: Clock
  readonly keyStore: KeyStore
  readonly importSigner: ImportSigner
  readonly keys: KeyRepository
  readonly wallets: WalletRepository
  readonly signatures: SignatureRepository
  readonly people: PeopleDirectory
  readonly plans: FeatureGate
  /** For the extra operations a body needs (Wallets:Tags:Add, Keys:Reuse). */
  readonly operations: OperationSource
  readonly governance?: Governance
  /** How long an `Executing` signature request may take before it counts as interrupted. */
  readonly executionLeaseMs: number
}

export type { Caller }
