import { AppError, notFound } from '../../errors.ts'
import type { Caller } from '../../http/context.ts'
import { pageCursor as sharedPageCursor } from '../../pagination.ts'
import type { WalletGovernance } from '../policies/index.ts'
import { DEFAULT_PAGE_SIZE } from './shared-schemas.ts'

/**
 * What wallets, keys, signature requests and transfers share: the ports to other domains and the
 * rules of who sees and uses a wallet or key. It imports nothing of the area, so every part of it
 * can use it without pointing back at another.
 */

export type { Caller }

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
  'governWalletRequest' | 'prepareWalletRequest' | 'onWalletApprovalResolved' | 'releaseWalletRequest'
>

/** The cursor of a page request (src/pagination.ts), with the wallets' default page size. */
export const pageCursor = (query: { limit?: number; paginationToken?: string }) =>
  sharedPageCursor(query, DEFAULT_PAGE_SIZE)

/**
 * The `owner` filter (user id or username; `ownerId`/`ownerUsername` are its deprecated aliases):
 * the end user the wallets are delegated to. An unknown owner lists nothing rather than failing,
 * as a filter that matches no rows would.
 */
export async function resolveOwner(
  people: PeopleDirectory,
  orgId: string,
  query: { owner?: string; ownerId?: string; ownerUsername?: string },
): Promise<string | undefined | null> {
  const owner = query.owner ?? query.ownerId ?? query.ownerUsername
  if (owner === undefined) return undefined
  const user = owner.startsWith('us-')
    ? await people.find(orgId, owner)
    : await people.findByUsername(orgId, owner)
  return user ? user.id : null
}

/** A delegation target must be an end user of the caller's org (another org's user is a 404). */
export async function requireEndUser(people: PeopleDirectory, orgId: string, userId: string, field: string) {
  const user = await people.find(orgId, userId)
  if (!user) throw notFound('end user', userId, { field })
  if (user.kind !== 'EndUser') {
    throw new AppError('validation_failed', `${field} must be an end user; ${userId} is a ${user.kind}.`, {
      details: { field, userId, kind: user.kind },
    })
  }
}

/**
 * What a caller may see: an end user only the wallets and keys delegated to them (anything else is
 * a 404, as another org's would be); the org's own people and service accounts see everything.
 */
export function visibleTo(caller: Caller, delegatedTo: string | null): boolean {
  return caller.kind !== 'EndUser' || delegatedTo === caller.userId
}

/**
 * Who may use a key (sign, export): a delegated (non-custodial) key only its end user, "usable only
 * by the end user" as the reference puts it; a custodial one anyone the permissions allow.
 */
export function requireUsableBy(caller: Caller, subject: string, delegatedTo: string | null): void {
  if (delegatedTo !== null && delegatedTo !== caller.userId) {
    throw new AppError('forbidden', `${subject} is delegated to an end user; only that user can use it`, {
      details: { delegatedTo },
    })
  }
}
