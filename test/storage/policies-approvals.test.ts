import assert from 'node:assert/strict'
import { afterEach, beforeEach, describe, it } from 'node:test'
import type { Decider } from '../../src/domains/policies/approvals.ts'
import type { ResolvedWalletApproval } from '../../src/domains/policies/governance.ts'
import { AppError } from '../../src/errors.ts'
import { testDialect } from '../helpers/database.ts'
import {
  approvalGroup,
  initiator,
  ORG,
  type PoliciesFixture,
  policiesFixture,
  T0,
  transfer,
} from './policies-fixture.ts'

const MINUTE = 60_000
const user = (userId: string): Decider => ({ userId, kind: 'CustomerEmployee' })

async function rejectsWith(status: number, promise: Promise<unknown>, message?: RegExp): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof AppError, String(err))
    assert.equal(err.status, status, err.message)
    if (message) assert.match(err.message, message)
    return true
  })
}

describe(`approvals (${testDialect})`, () => {
  let f: PoliciesFixture
  let resolved: ResolvedWalletApproval[]
  beforeEach(async () => {
    f = await policiesFixture()
    resolved = []
    f.domain.governance.onWalletApprovalResolved(async (r) => {
      resolved.push(r)
    })
  })
  afterEach(() => f.close())

  async function pendingApproval(action: Record<string, unknown>, walletId = 'wa-1'): Promise<string> {
    await f.domain.service.create(ORG, {
      name: `always ${Math.random()}`,
      activityKind: 'Wallets:Sign',
      rule: { kind: 'AlwaysTrigger' },
      action: { kind: 'RequestApproval', ...action },
      filters: { walletId: { in: [walletId] } },
    })
    const out = await f.domain.governance.governWalletRequest(transfer({ walletId }))
    assert.equal(out.status, 'Pending')
    return out.status === 'Pending' ? out.approvalId : ''
  }

  it('denial by one approver rejects at once', async () => {
    const id = await pendingApproval({ approvalGroups: [approvalGroup(['us-a', 'us-b', 'us-c'], 2)] })
    await f.domain.approvals.decide(ORG, id, user('us-a'), { value: 'Approved' })
    const denied = await f.domain.approvals.decide(ORG, id, user('us-b'), { value: 'Denied', reason: 'no' })
    assert.equal(denied.status, 'Denied')
    assert.equal(resolved.length, 1)
    assert.equal(resolved[0]!.status, 'Denied')
  })

  it('refuses, in order: unknown approval 404, outsider 403, initiator approving 403, same user twice 409, resolved 412', async () => {
    const id = await pendingApproval({
      approvalGroups: [approvalGroup(['us-a', 'us-b', initiator.userId], 2)],
    })
    await rejectsWith(404, f.domain.approvals.decide(ORG, 'ap-nope', user('us-a'), { value: 'Approved' }))
    await rejectsWith(404, f.domain.approvals.decide('or-other', id, user('us-a'), { value: 'Approved' }))
    await rejectsWith(
      403,
      f.domain.approvals.decide(ORG, id, user('us-z'), { value: 'Approved' }),
      /not an approver/,
    )
    await rejectsWith(
      403,
      f.domain.approvals.decide(ORG, id, user(initiator.userId), { value: 'Approved' }),
      /cannot approve/,
    )
    await f.domain.approvals.decide(ORG, id, user('us-a'), { value: 'Approved' })
    await rejectsWith(409, f.domain.approvals.decide(ORG, id, user('us-a'), { value: 'Approved' }))
    await rejectsWith(409, f.domain.approvals.decide(ORG, id, user('us-a'), { value: 'Denied' }))
    // Refused decisions left nothing behind.
    assert.deepEqual(
      (await f.domain.approvals.get(ORG, id)).decisions.map((d) => d.userId),
      ['us-a'],
    )
    await f.domain.approvals.decide(ORG, id, user('us-b'), { value: 'Approved' })
    await rejectsWith(
      412,
      f.domain.approvals.decide(ORG, id, user(initiator.userId), { value: 'Denied' }),
      /is Approved/,
    )
  })

  it('the initiator may deny their own activity to cancel it', async () => {
    const id = await pendingApproval({ approvalGroups: [approvalGroup([initiator.userId, 'us-a'], 1)] })
    const out = await f.domain.approvals.decide(ORG, id, user(initiator.userId), { value: 'Denied' })
    assert.equal(out.status, 'Denied')
  })

  it('initiatorCanApprove lets the initiator approve', async () => {
    const id = await pendingApproval({
      approvalGroups: [approvalGroup([initiator.userId, 'us-a'], 1, { initiatorCanApprove: true })],
    })
    assert.equal(
      (await f.domain.approvals.decide(ORG, id, user(initiator.userId), { value: 'Approved' })).status,
      'Approved',
    )
  })

  it('service accounts decide only where serviceAccountsCanApprove', async () => {
    const id = await pendingApproval({ approvalGroups: [approvalGroup(undefined, 1)] })
    await rejectsWith(
      403,
      f.domain.approvals.decide(ORG, id, { userId: 'us-sa', kind: 'ServiceAccount' }, { value: 'Approved' }),
    )
    const id2 = await pendingApproval(
      { approvalGroups: [approvalGroup(undefined, 1, { serviceAccountsCanApprove: true })] },
      'wa-2',
    )
    const out = await f.domain.approvals.decide(
      ORG,
      id2,
      { userId: 'us-sa', kind: 'ServiceAccount' },
      { value: 'Approved' },
    )
    assert.equal(out.status, 'Approved')
  })

  describe('expiry', () => {
    it('expireDueApprovals moves a due approval to Expired, exactly at expirationDate, and runs the handler', async () => {
      const id = await pendingApproval({ approvalGroups: [approvalGroup(['us-a'], 1)], autoRejectTimeout: 5 })
      f.clock.set(T0 + 5 * MINUTE - 1)
      assert.equal(await f.domain.approvals.expireDueApprovals(), 0)
      f.clock.set(T0 + 5 * MINUTE)
      assert.equal(await f.domain.approvals.expireDueApprovals(), 1)
      assert.equal(await f.domain.approvals.expireDueApprovals(), 0, 'only once')
      const approval = await f.domain.approvals.get(ORG, id)
      assert.equal(approval.status, 'Expired')
      assert.equal(approval.dateResolved, new Date(T0 + 5 * MINUTE).toISOString())
      assert.equal(approval.expirationDate, new Date(T0 + 5 * MINUTE).toISOString())
      assert.deepEqual(
        resolved.map((r) => r.status),
        ['Expired'],
      )
    })

    it('a read expires lazily, and a decision after expiry is a 412', async () => {
      const id = await pendingApproval({ approvalGroups: [approvalGroup(['us-a'], 1)], autoRejectTimeout: 1 })
      const id2 = await pendingApproval(
        { approvalGroups: [approvalGroup(['us-a'], 1)], autoRejectTimeout: 1 },
        'wa-2',
      )
      f.clock.advance(MINUTE)
      assert.equal((await f.domain.approvals.get(ORG, id)).status, 'Expired')
      await rejectsWith(
        412,
        f.domain.approvals.decide(ORG, id2, user('us-a'), { value: 'Approved' }),
        /Expired/,
      )
      assert.equal((await f.domain.approvals.get(ORG, id2)).status, 'Expired')
      assert.equal(resolved.length, 2)
    })

    it('the list expires due approvals before answering', async () => {
      await pendingApproval({ approvalGroups: [approvalGroup(['us-a'], 1)], autoRejectTimeout: 1 })
      f.clock.advance(MINUTE)
      const { items } = await f.domain.approvals.list(ORG, { status: 'Pending' })
      assert.equal(items.length, 0)
      assert.equal((await f.domain.approvals.list(ORG, { status: 'Expired' })).items.length, 1)
    })

    it('an approval without autoRejectTimeout never expires', async () => {
      const id = await pendingApproval({ approvalGroups: [approvalGroup(['us-a'], 1)] })
      f.clock.advance(365 * 24 * 60 * MINUTE)
      assert.equal(await f.domain.approvals.expireDueApprovals(), 0)
      const approval = await f.domain.approvals.get(ORG, id)
      assert.equal(approval.status, 'Pending')
      assert.equal(approval.expirationDate, undefined)
    })
  })

  it('lists with filters and pagination, newest last, without filtering on status by default', async () => {
    const a = await pendingApproval({ approvalGroups: [approvalGroup(['us-a'], 1)] }, 'wa-1')
    const b = await pendingApproval({ approvalGroups: [approvalGroup(undefined, 1)] }, 'wa-2')
    const c = await pendingApproval({ approvalGroups: [approvalGroup(['us-c'], 1)] }, 'wa-3')
    await f.domain.approvals.decide(ORG, a, user('us-a'), { value: 'Approved' })

    const all = await f.domain.approvals.list(ORG, {})
    assert.deepEqual(all.items.map((i) => i.id).sort(), [a, b, c].sort())
    assert.deepEqual(
      (await f.domain.approvals.list(ORG, { status: 'Approved' })).items.map((i) => i.id),
      [a],
    )
    assert.deepEqual((await f.domain.approvals.list(ORG, { initiatorId: 'us-x' })).items, [])
    assert.equal((await f.domain.approvals.list(ORG, { initiatorId: initiator.userId })).items.length, 3)
    // approverId: groups naming the user, plus groups open to anyone in the org.
    assert.deepEqual(
      (await f.domain.approvals.list(ORG, { approverId: 'us-c' })).items.map((i) => i.id).sort(),
      [b, c].sort(),
    )
    assert.deepEqual(
      (await f.domain.approvals.list(ORG, { approverId: 'us-a' })).items.map((i) => i.id).sort(),
      [a, b].sort(),
    )
    assert.deepEqual((await f.domain.approvals.list('or-other', {})).items, [])

    const seen: string[] = []
    let token: string | undefined
    do {
      const page = await f.domain.approvals.list(ORG, { limit: 2, paginationToken: token })
      assert.ok(page.items.length <= 2)
      seen.push(...page.items.map((i) => i.id))
      token = page.nextPageToken
    } while (token)
    assert.deepEqual(seen.sort(), [a, b, c].sort())
    await rejectsWith(400, f.domain.approvals.list(ORG, { paginationToken: '!!' }))
  })

  it('a failing wallet handler leaves the approval for dispatchResolvedApprovals, which retries it', async () => {
    let failures = 1
    const calls: string[] = []
    f.domain.governance.onWalletApprovalResolved(async (r) => {
      calls.push(r.status)
      if (failures-- > 0) throw new Error('chain unreachable')
    })
    const id = await pendingApproval({ approvalGroups: [approvalGroup(['us-a'], 1)] })
    const out = await f.domain.approvals.decide(ORG, id, user('us-a'), { value: 'Approved' })
    assert.equal(out.status, 'Approved', 'the decision stands even though the handler failed')
    assert.deepEqual(calls, ['Approved'])
    assert.equal(f.loggedErrors.length, 1)
    assert.equal(await f.domain.approvals.dispatchResolvedApprovals(), 1)
    assert.deepEqual(calls, ['Approved', 'Approved'])
    assert.equal(await f.domain.approvals.dispatchResolvedApprovals(), 0, 'done once it succeeded')
  })

  it('hands policy.triggered, policy.approval.pending and policy.approval.resolved to the sink, once each', async () => {
    const id = await pendingApproval({ approvalGroups: [approvalGroup(['us-a'], 1)] })
    await f.domain.approvals.decide(ORG, id, user('us-a'), { value: 'Approved' })
    assert.equal(await f.domain.approvals.dispatchResolvedApprovals(), 0, 'nothing left to dispatch')
    assert.deepEqual(
      f.events.map((e) => e.kind),
      ['policy.triggered', 'policy.approval.pending', 'policy.approval.resolved'],
    )
    const triggered = f.events[0]!
    assert.ok(triggered.kind === 'policy.triggered' && triggered.policy?.name.startsWith('always'))
  })

  it('a failing event write fails the change with it: the approval it opened rolls back', async () => {
    await f.domain.service.create(ORG, {
      name: 'approve everything on wa-1',
      activityKind: 'Wallets:Sign',
      rule: { kind: 'AlwaysTrigger' },
      action: { kind: 'RequestApproval', approvalGroups: [approvalGroup(['us-a'], 1)] },
      filters: { walletId: { in: ['wa-1'] } },
    })
    f.onEvent = (event) => {
      if (event.kind === 'policy.approval.pending') throw new Error('the event store refused the write')
    }
    await assert.rejects(f.domain.governance.governWalletRequest(transfer()), /refused the write/)
    assert.deepEqual((await f.domain.approvals.list(ORG, {})).items, [], 'the approval rolled back')
    f.onEvent = undefined
    const again = await f.domain.governance.governWalletRequest(transfer())
    assert.equal(again.status, 'Pending')
    assert.equal((await f.domain.approvals.list(ORG, {})).items.length, 1)
  })
})

describe(`approvals under concurrency (${testDialect})`, () => {
  let f: PoliciesFixture
  // On PostgreSQL the "other node" is a second pool on the same schema: a real race. better-sqlite3
  // is synchronous, so two connections in one process would block each other's busy wait; there
  // the two calls share one handle and race through its transaction queue instead.
  let nodes: () => { domain: PoliciesFixture['domain'] }
  beforeEach(async () => {
    f = await policiesFixture()
    nodes = () => (testDialect === 'postgres' ? f.secondNode() : { domain: f.domain })
  })
  afterEach(() => f.close())

  it('two deciders on two nodes reaching quorum together resolve the approval exactly once', async () => {
    const other = nodes()
    const runs: string[] = []
    f.domain.governance.onWalletApprovalResolved(async (r) => {
      runs.push(`node1:${r.status}`)
    })
    // On SQLite the "other node" is this same domain: handlers accumulate, so register it once.
    if (other.domain !== f.domain) {
      other.domain.governance.onWalletApprovalResolved(async (r) => {
        runs.push(`node2:${r.status}`)
      })
    }
    for (let round = 0; round < 10; round++) {
      runs.length = 0
      const policy = await f.domain.service.create(ORG, {
        name: `round ${round}`,
        activityKind: 'Wallets:Sign',
        rule: { kind: 'AlwaysTrigger' },
        action: { kind: 'RequestApproval', approvalGroups: [approvalGroup(['us-a', 'us-b', 'us-c'], 2)] },
        filters: { walletId: { in: [`wa-${round}`] } },
      })
      const out = await f.domain.governance.governWalletRequest(transfer({ walletId: `wa-${round}` }))
      assert.equal(out.status, 'Pending', policy.id)
      if (out.status !== 'Pending') return
      await f.domain.approvals.decide(ORG, out.approvalId, user('us-a'), { value: 'Approved' })
      const results = await Promise.allSettled([
        f.domain.approvals.decide(ORG, out.approvalId, user('us-b'), { value: 'Approved' }),
        other.domain.approvals.decide(ORG, out.approvalId, user('us-c'), { value: 'Approved' }),
      ])
      const fulfilled = results.filter((r) => r.status === 'fulfilled')
      const rejected = results.filter((r) => r.status === 'rejected')
      // Either both decisions were recorded (the second one saw it resolved... no: it was already
      // Approved by then, so it gets 412), or exactly one resolved it and the other got 412.
      assert.ok(fulfilled.length >= 1)
      for (const r of rejected) assert.equal((r.reason as AppError).status, 412)
      assert.equal(runs.length, 1, `handlers ran once: ${runs.join(',')}`)
      const approval = await f.domain.approvals.get(ORG, out.approvalId)
      assert.equal(approval.status, 'Approved')
      assert.equal(approval.decisions.length, 1 + fulfilled.length)
    }
  })

  it('the same user deciding twice at once records one decision (the other is 409 or 412)', async () => {
    const other = nodes()
    await f.domain.service.create(ORG, {
      name: 'p',
      activityKind: 'Wallets:Sign',
      rule: { kind: 'AlwaysTrigger' },
      action: { kind: 'RequestApproval', approvalGroups: [approvalGroup(['us-a', 'us-b'], 2)] },
    })
    f.domain.governance.onWalletApprovalResolved(async () => {})
    const out = await f.domain.governance.governWalletRequest(transfer())
    if (out.status !== 'Pending') return assert.fail('expected Pending')
    const results = await Promise.allSettled([
      f.domain.approvals.decide(ORG, out.approvalId, user('us-a'), { value: 'Approved' }),
      other.domain.approvals.decide(ORG, out.approvalId, user('us-a'), { value: 'Approved' }),
    ])
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1)
    const failed = results.find((r) => r.status === 'rejected') as PromiseRejectedResult
    assert.equal((failed.reason as AppError).status, 409)
    assert.equal((await f.domain.approvals.get(ORG, out.approvalId)).decisions.length, 1)
  })

  it('an expiry sweep on one node and a decision on another never both resolve', async () => {
    const other = nodes()
    const runs: string[] = []
    for (const node of new Set([f.domain, other.domain])) {
      node.governance.onWalletApprovalResolved(async (r) => {
        runs.push(r.status)
      })
    }
    await f.domain.service.create(ORG, {
      name: 'p',
      activityKind: 'Wallets:Sign',
      rule: { kind: 'AlwaysTrigger' },
      action: { kind: 'RequestApproval', approvalGroups: [approvalGroup(['us-a'], 1)], autoRejectTimeout: 1 },
    })
    for (let round = 0; round < 5; round++) {
      runs.length = 0
      f.clock.set(T0 + round * 10 * MINUTE)
      const out = await f.domain.governance.governWalletRequest(transfer())
      if (out.status !== 'Pending') return assert.fail('expected Pending')
      f.clock.advance(MINUTE)
      await Promise.allSettled([
        other.domain.approvals.expireDueApprovals(),
        f.domain.approvals.decide(ORG, out.approvalId, user('us-a'), { value: 'Approved' }),
      ])
      assert.deepEqual(runs, ['Expired'], 'at expirationDate a decision is too late')
      assert.equal((await f.domain.approvals.get(ORG, out.approvalId)).status, 'Expired')
    }
  })
})
