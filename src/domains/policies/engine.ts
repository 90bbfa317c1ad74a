/**
 * evaluatePolicies: which Active policies apply to an activity, what each rule says, and what the
 * triggered actions add up to. No storage here: the caller passes the policies and a `window`
 * function (the velocity ledger), so the combination logic is testable on its own.
 */
import type { GovernedActivity, GovernedWallet, WalletSignActivity } from './activity.ts'
import type { ApprovalGroup } from './policy-body.ts'
import { evaluateRule, type RuleInput } from './rules/index.ts'
import type { Policy, PolicyEvaluation } from './schemas.ts'

/** One approval group of the merged approval, remembering which policy asked for it. */
export interface ApprovalRequirement extends ApprovalGroup {
  readonly policyId: string
}

export type PolicyOutcome =
  | { readonly kind: 'Allow'; readonly evaluations: PolicyEvaluation[] }
  | {
      readonly kind: 'Block'
      readonly evaluations: PolicyEvaluation[]
      readonly blockingPolicyIds: string[]
      readonly reason: string
    }
  | {
      readonly kind: 'RequestApproval'
      readonly evaluations: PolicyEvaluation[]
      readonly groups: ApprovalRequirement[]
      /** Minutes until the approval expires; undefined ⇒ it never does. */
      readonly expiresInMinutes: number | undefined
    }

// An empty list in a filter is read as "no constraint": a policy that silently never matches is
// the dangerous failure for a control, so the empty case errs towards governing.
const listAllows = (list: readonly string[] | undefined, value: string | undefined): boolean =>
  list === undefined || list.length === 0 || (value !== undefined && list.includes(value))

export function policyApplies(policy: Policy, activity: GovernedActivity): boolean {
  if (policy.status !== 'Active' || policy.activityKind !== activity.kind) return false
  const filters = (policy.filters ?? {}) as Record<
    string,
    { in?: string[]; hasAny?: string[]; hasAll?: string[] }
  >
  if (activity.kind === 'Wallets:Sign') {
    const walletIds = filters.walletId?.in ?? []
    const tags = filters.walletTags
    const hasAny = tags?.hasAny ?? []
    const hasAll = tags?.hasAll ?? []
    if (walletIds.length === 0 && hasAny.length === 0 && hasAll.length === 0) return true
    const matches = (wallet: GovernedWallet) =>
      listAllows(walletIds, wallet.id) &&
      (hasAny.length === 0 || hasAny.some((t) => wallet.tags.includes(t))) &&
      hasAll.every((t) => wallet.tags.includes(t))
    // A key signature could move funds of any wallet on the key: it is governed as each of them.
    return governedWallets(activity).some(matches)
  }
  if (!listAllows(filters.permissionId?.in, activity.permissionId)) return false
  if (!listAllows(filters.policyId?.in, activity.policyId)) return false
  return true
}

/** The wallets a Wallets:Sign request acts for: its wallet, or on the key route every wallet on the key. */
export function governedWallets(activity: WalletSignActivity): readonly GovernedWallet[] {
  if (activity.walletId !== undefined) return [{ id: activity.walletId, tags: activity.walletTags }]
  return activity.keyWallets ?? []
}

/**
 * Combination: any triggered Block wins; otherwise every triggered
 * RequestApproval policy contributes all its groups to ONE approval, which expires at the earliest
 * `autoRejectTimeout` among them; NoAction only records the evaluation.
 */
export async function evaluatePolicies(
  policies: readonly Policy[],
  input: RuleInput,
): Promise<PolicyOutcome> {
  const applicable = policies
    .filter((p) => policyApplies(p, input.activity))
    .sort((a, b) => (a.id < b.id ? -1 : 1))
  const evaluations: PolicyEvaluation[] = []
  const triggered: Policy[] = []
  for (const policy of applicable) {
    const result = await evaluateRule(policy.rule, input)
    evaluations.push({
      policyId: policy.id,
      triggered: result.triggered,
      reason: result.reason,
      ...(result.context ? { context: result.context } : {}),
    })
    if (result.triggered) triggered.push(policy)
  }

  const blocking = triggered.filter((p) => p.action.kind === 'Block')
  if (blocking.length > 0) {
    const first = blocking[0]!
    const why = evaluations.find((e) => e.policyId === first.id)?.reason ?? ''
    return {
      kind: 'Block',
      evaluations,
      blockingPolicyIds: blocking.map((p) => p.id),
      reason: `Blocked by policy ${first.id} (${first.name}): ${why}`,
    }
  }

  const groups: ApprovalRequirement[] = []
  let expiresInMinutes: number | undefined
  for (const policy of triggered) {
    if (policy.action.kind !== 'RequestApproval') continue
    for (const group of policy.action.approvalGroups) groups.push({ ...group, policyId: policy.id })
    const timeout = policy.action.autoRejectTimeout
    if (typeof timeout === 'number') expiresInMinutes = Math.min(expiresInMinutes ?? timeout, timeout)
  }
  if (groups.length > 0) return { kind: 'RequestApproval', evaluations, groups, expiresInMinutes }
  return { kind: 'Allow', evaluations }
}
