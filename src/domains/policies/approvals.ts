/**
 * The approval decision state machine, as pure functions over an approval's groups and decisions.
 * The service runs these inside a transaction that holds the approval row (see service README).
 *
 *   Pending ──(every group reaches its quorum)──▶ Approved
 *   Pending ──(one Denied from an eligible approver)──▶ Denied
 *   Pending ──(expirationDate reached)──▶ Expired
 * Approved, Denied and Expired are final.
 */
import { AppError } from '../../errors.ts'
import type { InitiatorKind } from './activity.ts'
import type { ApprovalRequirement } from './engine.ts'
import type { ApprovalDecision, ApprovalStatus, DecisionValue } from './schemas.ts'

export interface Decider {
  readonly userId: string
  readonly kind: InitiatorKind
}

export interface RecordedDecision extends ApprovalDecision {
  /** Kept so quorum can be recomputed with the service-account rule applied. */
  readonly userKind: InitiatorKind
}

export interface ApprovalState {
  readonly id: string
  readonly initiatorId: string
  readonly groups: readonly ApprovalRequirement[]
  readonly decisions: readonly RecordedDecision[]
}

/** `approvers: {}` means anyone in the org (the approval is only reachable inside its org). */
export const isMember = (group: ApprovalRequirement, userId: string): boolean =>
  group.approvers.userId === undefined || group.approvers.userId.in.includes(userId)

/** May this decider take part in this group at all (approve or deny)? */
export function participates(group: ApprovalRequirement, decider: Decider): boolean {
  if (!isMember(group, decider.userId)) return false
  return decider.kind !== 'ServiceAccount' || group.serviceAccountsCanApprove === true
}

/** May this decider's approval count towards this group's quorum? The initiator only if allowed. */
export function countsTowardsQuorum(
  group: ApprovalRequirement,
  decider: Decider,
  initiatorId: string,
): boolean {
  if (!participates(group, decider)) return false
  return decider.userId !== initiatorId || group.initiatorCanApprove === true
}

/**
 * Refuses a decision the rules do not allow. The caller has already checked that the approval is
 * Pending (412): order is 404 → 412 → 403 → 409.
 */
export function assertMayDecide(state: ApprovalState, decider: Decider, value: DecisionValue): void {
  if (!state.groups.some((g) => participates(g, decider))) {
    throw new AppError('forbidden', `User ${decider.userId} is not an approver of approval ${state.id}`, {
      details: { approvalId: state.id, userId: decider.userId },
    })
  }
  if (value === 'Approved' && !state.groups.some((g) => countsTowardsQuorum(g, decider, state.initiatorId))) {
    // Only the initiator rule can fail here: participation was checked above.
    throw new AppError(
      'forbidden',
      `User ${decider.userId} initiated the activity of approval ${state.id} and cannot approve it (denying it is allowed)`,
      { details: { approvalId: state.id, userId: decider.userId } },
    )
  }
  if (state.decisions.some((d) => d.userId === decider.userId)) {
    throw new AppError('conflict', `User ${decider.userId} has already decided on approval ${state.id}`, {
      details: { approvalId: state.id, userId: decider.userId },
    })
  }
}

export interface GroupProgress {
  readonly policyId: string
  readonly name: string | undefined
  readonly quorum: number
  readonly approvals: number
}

export function groupProgress(state: ApprovalState): GroupProgress[] {
  return state.groups.map((group) => ({
    policyId: group.policyId,
    name: group.name,
    quorum: group.quorum,
    approvals: state.decisions.filter(
      (d) =>
        d.value === 'Approved' &&
        countsTowardsQuorum(group, { userId: d.userId, kind: d.userKind }, state.initiatorId),
    ).length,
  }))
}

/** The status the recorded decisions lead to (expiry is decided by time, not here). */
export function statusAfterDecisions(state: ApprovalState): Exclude<ApprovalStatus, 'Expired'> {
  // Only eligible deciders get a decision recorded, so any denial is an eligible one.
  if (state.decisions.some((d) => d.value === 'Denied')) return 'Denied'
  return groupProgress(state).every((g) => g.approvals >= g.quorum) ? 'Approved' : 'Pending'
}

/** Could this user take part in the approval (the `approverId` list filter)? */
export function isEligibleApprover(state: Pick<ApprovalState, 'groups'>, userId: string): boolean {
  return state.groups.some((g) => isMember(g, userId))
}
