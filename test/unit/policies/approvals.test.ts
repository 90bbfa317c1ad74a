import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  type ApprovalState,
  assertMayDecide,
  type Decider,
  isEligibleApprover,
  type RecordedDecision,
  statusAfterDecisions,
} from '../../../src/domains/policies/approvals.ts'
import type { ApprovalRequirement } from '../../../src/domains/policies/engine.ts'
import { AppError } from '../../../src/errors.ts'

const user = (userId: string): Decider => ({ userId, kind: 'CustomerEmployee' })
const sa = (userId: string): Decider => ({ userId, kind: 'ServiceAccount' })
const group = (over: Partial<ApprovalRequirement> & { users?: string[] }): ApprovalRequirement => {
  const { users, ...rest } = over
  return { policyId: 'plc-1', quorum: 1, approvers: users ? { userId: { in: users } } : {}, ...rest }
}
const decision = (d: Decider, value: 'Approved' | 'Denied'): RecordedDecision => ({
  userId: d.userId,
  userKind: d.kind,
  value,
  reason: null,
  date: '2026-01-01T00:00:00.000Z',
})
const state = (groups: ApprovalRequirement[], decisions: RecordedDecision[] = []): ApprovalState => ({
  id: 'ap-1',
  initiatorId: 'us-init',
  groups,
  decisions,
})

function refusedWith(status: number, fn: () => void): void {
  assert.throws(fn, (err: unknown) => err instanceof AppError && err.status === status)
}

describe('approval decisions', () => {
  it('quorum per group: approved only when every group reaches its quorum', () => {
    const groups = [
      group({ users: ['us-a', 'us-b', 'us-c'], quorum: 2 }),
      group({ users: ['us-d'], quorum: 1 }),
    ]
    assert.equal(statusAfterDecisions(state(groups, [decision(user('us-a'), 'Approved')])), 'Pending')
    assert.equal(
      statusAfterDecisions(
        state(groups, [decision(user('us-a'), 'Approved'), decision(user('us-b'), 'Approved')]),
      ),
      'Pending',
    )
    assert.equal(
      statusAfterDecisions(
        state(groups, [
          decision(user('us-a'), 'Approved'),
          decision(user('us-b'), 'Approved'),
          decision(user('us-d'), 'Approved'),
        ]),
      ),
      'Approved',
    )
  })

  it("a user's decision counts in every group they are in", () => {
    const groups = [group({ users: ['us-a', 'us-b'] }), group({ users: ['us-a', 'us-c'], policyId: 'plc-2' })]
    assert.equal(statusAfterDecisions(state(groups, [decision(user('us-a'), 'Approved')])), 'Approved')
  })

  it('approvers {} means anyone in the org', () => {
    const groups = [group({ quorum: 2 })]
    assertMayDecide(state(groups), user('us-anyone'), 'Approved')
    assert.equal(
      statusAfterDecisions(
        state(groups, [decision(user('us-x'), 'Approved'), decision(user('us-y'), 'Approved')]),
      ),
      'Approved',
    )
  })

  it('any denial rejects at once, even with quorum otherwise reachable', () => {
    const groups = [group({ users: ['us-a', 'us-b', 'us-c'], quorum: 2 })]
    assert.equal(
      statusAfterDecisions(
        state(groups, [decision(user('us-a'), 'Approved'), decision(user('us-b'), 'Denied')]),
      ),
      'Denied',
    )
  })

  it('a user outside every group → 403', () => {
    refusedWith(403, () => assertMayDecide(state([group({ users: ['us-a'] })]), user('us-z'), 'Approved'))
    refusedWith(403, () => assertMayDecide(state([group({ users: ['us-a'] })]), user('us-z'), 'Denied'))
  })

  it('the same user twice → 409', () => {
    const groups = [group({ users: ['us-a', 'us-b'], quorum: 2 })]
    refusedWith(409, () =>
      assertMayDecide(state(groups, [decision(user('us-a'), 'Approved')]), user('us-a'), 'Approved'),
    )
    refusedWith(409, () =>
      assertMayDecide(state(groups, [decision(user('us-a'), 'Approved')]), user('us-a'), 'Denied'),
    )
  })

  it('the initiator cannot approve unless initiatorCanApprove, but may deny', () => {
    const strict = [group({ users: ['us-init', 'us-a'] })]
    refusedWith(403, () => assertMayDecide(state(strict), user('us-init'), 'Approved'))
    assertMayDecide(state(strict), user('us-init'), 'Denied')
    assert.equal(statusAfterDecisions(state(strict, [decision(user('us-init'), 'Denied')])), 'Denied')

    const lenient = [group({ users: ['us-init', 'us-a'], initiatorCanApprove: true })]
    assertMayDecide(state(lenient), user('us-init'), 'Approved')
    assert.equal(statusAfterDecisions(state(lenient, [decision(user('us-init'), 'Approved')])), 'Approved')
  })

  it("the initiator's approval counts only in groups that allow it", () => {
    const groups = [
      group({ users: ['us-init', 'us-a'], initiatorCanApprove: true }),
      group({ users: ['us-init', 'us-b'], policyId: 'plc-2' }),
    ]
    assert.equal(statusAfterDecisions(state(groups, [decision(user('us-init'), 'Approved')])), 'Pending')
    assert.equal(
      statusAfterDecisions(
        state(groups, [decision(user('us-init'), 'Approved'), decision(user('us-b'), 'Approved')]),
      ),
      'Approved',
    )
  })

  it('service accounts take part only where serviceAccountsCanApprove', () => {
    refusedWith(403, () => assertMayDecide(state([group({})]), sa('us-sa'), 'Approved'))
    refusedWith(403, () => assertMayDecide(state([group({})]), sa('us-sa'), 'Denied'))
    const allowed = [group({ serviceAccountsCanApprove: true })]
    assertMayDecide(state(allowed), sa('us-sa'), 'Approved')
    assert.equal(statusAfterDecisions(state(allowed, [decision(sa('us-sa'), 'Approved')])), 'Approved')
    // A service account's approval does not count in a group that excludes service accounts.
    const mixed = [group({ serviceAccountsCanApprove: true }), group({ policyId: 'plc-2' })]
    assert.equal(statusAfterDecisions(state(mixed, [decision(sa('us-sa'), 'Approved')])), 'Pending')
  })

  it('eligibility for the approverId filter is group membership', () => {
    assert.equal(isEligibleApprover(state([group({ users: ['us-a'] })]), 'us-a'), true)
    assert.equal(isEligibleApprover(state([group({ users: ['us-a'] })]), 'us-b'), false)
    assert.equal(isEligibleApprover(state([group({})]), 'us-b'), true)
  })
})
