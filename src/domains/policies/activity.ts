/**
 * What the other domains hand to the policy engine: the governed activity, described by the
 * facts the rules need (wallet, tags, recipient, value) plus the request object that an approval
 * shows back to approvers.
 */

import type { Caller } from '../../http/context.ts'
import type { ActivityKind } from './policy-body.ts'
import type { AssetAmount } from './prices.ts'
import type { ChangeRequest } from './schemas.ts'

export type InitiatorKind = 'CustomerEmployee' | 'EndUser' | 'ServiceAccount' | 'Pat'

/** Who asked (the route's `request.caller`). */
export interface Initiator {
  readonly userId: string
  readonly kind: InitiatorKind
  readonly tokenId?: string
  readonly appId?: string
}

/** The initiator of a request made by `caller` (an authenticated caller is always one). */
export const initiatorOf = (caller: Caller): Initiator => ({
  userId: caller.userId,
  kind: caller.kind,
  tokenId: caller.tokenId,
  appId: caller.appId,
})

/** The field of `approval.activity` that carries the request, per the SDK. */
export type WalletRequestField = 'signatureRequest' | 'transferRequest' | 'transactionRequest' | 'swapRequest'

/** A wallet as the `walletId` / `walletTags` filters see it. */
export interface GovernedWallet {
  readonly id: string
  readonly tags: readonly string[]
}

/**
 * A request governed by `Wallets:Sign` policies. A wallet request (signature, transfer,
 * transaction on `/wallets/:id/…`) names its wallet, and its key when known; a signature on
 * `/keys/:id/signatures` names the key and every wallet on it (`keyWallets`), since the signature is
 * valid for each of them. See the policies README, "Key signatures".
 */
export interface WalletSignActivity {
  readonly kind: 'Wallets:Sign'
  readonly orgId: string
  /** The wallet of a wallet request; absent on the key route. */
  readonly walletId?: string
  /** The wallet's tags (empty on the key route). */
  readonly walletTags: readonly string[]
  /** The signing key. A wallet request that names it also counts the key route's requests in its windows. */
  readonly keyId?: string
  /** Key route only: every wallet on the key. A filtered policy applies when any of them matches. */
  readonly keyWallets?: readonly GovernedWallet[]
  /** The id of the signature/transfer/transaction request being governed (`sig-…`, `xfr-…`). */
  readonly requestId: string
  readonly requestField: WalletRequestField
  /** The request as the API shows it; embedded in the approval's `activity`. */
  readonly request: Readonly<Record<string, unknown>>
  readonly initiator: Initiator
  /**
   * The org's policies stamp as the initiator's token carried it: the active policies read under
   * it may be reused (see the policy repository). Absent: they are read.
   */
  readonly policiesVersion?: string
  /** The destination, when it can be inferred. Undefined (e.g. a Hash signature) ⇒ whitelist triggers. */
  readonly recipient?: string
  /** What moves, when known. Undefined (raw signature, unknown asset) ⇒ amount rules trigger. */
  readonly value?: AssetAmount
  readonly network?: string
}

/** A permission, assignment or policy change waiting on `Permissions:*` / `Policies:Modify` policies. */
export interface ChangeActivity {
  readonly kind: Extract<ActivityKind, 'Permissions:Modify' | 'Permissions:Assign' | 'Policies:Modify'>
  readonly orgId: string
  readonly initiator: Initiator
  /** Matched against `filters.permissionId.in`. */
  readonly permissionId?: string
  /** Matched against `filters.policyId.in`. */
  readonly policyId?: string
  readonly changeRequest: ChangeRequest
}

export type GovernedActivity = WalletSignActivity | ChangeActivity
