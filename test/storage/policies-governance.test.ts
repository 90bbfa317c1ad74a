import assert from 'node:assert/strict'
import { afterEach, beforeEach, describe, it } from 'node:test'
import type { ResolvedWalletApproval } from '../../src/domains/policies/governance.ts'
import { testDialect } from '../helpers/database.ts'
import {
  approvalGroup,
  hashSignature,
  initiator,
  ORG,
  type PoliciesFixture,
  policiesFixture,
  T0,
  transfer,
} from './policies-fixture.ts'

const MINUTE = 60_000

describe(`wallet request governance (${testDialect})`, () => {
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

  const create = (body: Record<string, unknown>) => f.domain.service.create(ORG, body)

  it('allows a request when no policy applies', async () => {
    const out = await f.domain.governance.governWalletRequest(transfer())
    assert.deepEqual(out, { status: 'Allowed', evaluations: [] })
  })

  it('Block → Rejected with a reason naming the policy', async () => {
    const p = await create({
      name: 'No big transfers',
      activityKind: 'Wallets:Sign',
      rule: { kind: 'TransactionAmountLimit', configuration: { limit: 100, currency: 'USD' } },
      action: { kind: 'Block' },
    })
    assert.equal((await f.domain.governance.governWalletRequest(transfer({ usdc: 100 }))).status, 'Allowed')
    const out = await f.domain.governance.governWalletRequest(transfer({ usdc: 100.01 }))
    assert.equal(out.status, 'Rejected')
    if (out.status !== 'Rejected') return
    assert.equal(
      out.reason,
      `Blocked by policy ${p.id} (No big transfers): Transaction amount (USD 100.01) is above limit (USD 100).`,
    )
    assert.deepEqual(
      out.evaluations.map((e) => [e.policyId, e.triggered]),
      [[p.id, true]],
    )
  })

  it('an unpriced amount triggers the amount limit (fail closed)', async () => {
    await create({
      name: 'limit',
      activityKind: 'Wallets:Sign',
      rule: { kind: 'TransactionAmountLimit', configuration: { limit: 1_000_000, currency: 'USD' } },
      action: { kind: 'Block' },
    })
    const unknownAsset = transfer({ value: { symbol: 'DOGE', decimals: 8, amount: '1' } })
    assert.equal((await f.domain.governance.governWalletRequest(unknownAsset)).status, 'Rejected')
    assert.equal((await f.domain.governance.governWalletRequest(hashSignature())).status, 'Rejected')
  })

  it('whitelist with a Hash signature triggers (recipient unknown)', async () => {
    await create({
      name: 'whitelist',
      activityKind: 'Wallets:Sign',
      rule: {
        kind: 'TransactionRecipientWhitelist',
        configuration: { addresses: ['0x00000000000000000000000000000000000000aa'] },
      },
      action: { kind: 'RequestApproval', approvalGroups: [approvalGroup(undefined, 1)] },
    })
    assert.equal((await f.domain.governance.governWalletRequest(transfer())).status, 'Allowed')
    const out = await f.domain.governance.governWalletRequest(hashSignature())
    assert.equal(out.status, 'Pending')
    if (out.status !== 'Pending') return
    assert.equal(out.approval.policyEvaluations[0]!.reason, 'Transaction recipient could not be inferred.')
    assert.equal(out.approval.activity.kind, 'Wallets:Sign')
    assert.ok('signatureRequest' in out.approval.activity)
    assert.ok(!('governed' in out.approval.activity), 'internal link is not shown')
  })

  it('a signature over a limit is Pending; once approved the wallets handler runs with Approved', async () => {
    await create({
      name: 'limit',
      activityKind: 'Wallets:Sign',
      rule: { kind: 'TransactionAmountLimit', configuration: { limit: '50', currency: 'USD' } },
      action: {
        kind: 'RequestApproval',
        approvalGroups: [approvalGroup(['us-a', 'us-b', 'us-c'], 2)],
        autoRejectTimeout: 30,
      },
    })
    const request = transfer({ usdc: 60 })
    const out = await f.domain.governance.governWalletRequest(request)
    assert.equal(out.status, 'Pending')
    if (out.status !== 'Pending') return
    assert.equal(out.approval.status, 'Pending')
    assert.equal(out.approval.initiatorId, initiator.userId)
    assert.equal(out.approval.expirationDate, new Date(T0 + 30 * MINUTE).toISOString())
    assert.deepEqual(out.approval.decisions, [])

    await f.domain.approvals.decide(
      ORG,
      out.approvalId,
      { userId: 'us-a', kind: 'CustomerEmployee' },
      { value: 'Approved' },
    )
    assert.equal(resolved.length, 0)
    f.clock.advance(1000)
    const approved = await f.domain.approvals.decide(
      ORG,
      out.approvalId,
      { userId: 'us-b', kind: 'CustomerEmployee' },
      { value: 'Approved', reason: 'ok' },
    )
    assert.equal(approved.status, 'Approved')
    assert.equal(approved.dateResolved, new Date(T0 + 1000).toISOString())
    assert.deepEqual(
      approved.decisions.map((d) => [d.userId, d.value, d.reason]),
      [
        ['us-a', 'Approved', null],
        ['us-b', 'Approved', 'ok'],
      ],
    )
    assert.deepEqual(resolved, [
      {
        orgId: ORG,
        approvalId: out.approvalId,
        status: 'Approved',
        requestId: request.requestId,
        walletId: 'wa-1',
        dateResolved: new Date(T0 + 1000).toISOString(),
      },
    ])
  })

  it('several triggered policies make ONE approval needing all their groups; Block still wins', async () => {
    const limit = await create({
      name: 'limit',
      activityKind: 'Wallets:Sign',
      rule: { kind: 'TransactionAmountLimit', configuration: { limit: 5, currency: 'USD' } },
      action: { kind: 'RequestApproval', approvalGroups: [approvalGroup(['us-a'], 1)] },
    })
    const always = await create({
      name: 'always',
      activityKind: 'Wallets:Sign',
      rule: { kind: 'AlwaysTrigger' },
      action: { kind: 'RequestApproval', approvalGroups: [approvalGroup(['us-b'], 1)] },
    })
    const out = await f.domain.governance.governWalletRequest(transfer({ usdc: 6 }))
    assert.equal(out.status, 'Pending')
    if (out.status !== 'Pending') return
    assert.deepEqual(
      out.approval.policyEvaluations.map((e) => e.policyId).sort(),
      [limit.id, always.id].sort(),
    )
    const a = await f.domain.approvals.decide(
      ORG,
      out.approvalId,
      { userId: 'us-a', kind: 'CustomerEmployee' },
      { value: 'Approved' },
    )
    assert.equal(a.status, 'Pending')
    const b = await f.domain.approvals.decide(
      ORG,
      out.approvalId,
      { userId: 'us-b', kind: 'CustomerEmployee' },
      { value: 'Approved' },
    )
    assert.equal(b.status, 'Approved')

    await create({
      name: 'block',
      activityKind: 'Wallets:Sign',
      rule: { kind: 'AlwaysTrigger' },
      action: { kind: 'Block' },
    })
    assert.equal((await f.domain.governance.governWalletRequest(transfer({ usdc: 6 }))).status, 'Rejected')
  })

  it('filters choose the wallets a policy governs', async () => {
    await create({
      name: 'tagged',
      activityKind: 'Wallets:Sign',
      rule: { kind: 'AlwaysTrigger' },
      action: { kind: 'Block' },
      filters: { walletTags: { hasAll: ['treasury'] } },
    })
    assert.equal((await f.domain.governance.governWalletRequest(transfer())).status, 'Allowed')
    assert.equal(
      (await f.domain.governance.governWalletRequest(transfer({ walletTags: ['treasury', 'x'] }))).status,
      'Rejected',
    )
  })

  describe('velocity', () => {
    it('count velocity: exactly at the window edge the old request has left the window', async () => {
      await create({
        name: 'count',
        activityKind: 'Wallets:Sign',
        rule: { kind: 'TransactionCountVelocity', configuration: { limit: 2, timeframe: 10 } },
        action: { kind: 'Block' },
      })
      const govern = () => f.domain.governance.governWalletRequest(transfer())
      assert.equal((await govern()).status, 'Allowed') // t0: 1 in window
      f.clock.advance(MINUTE)
      assert.equal((await govern()).status, 'Allowed') // t0+1m: 2 in window
      // t0 + 10m − 1ms: the first request is still inside (now − 10m, now] → 3 > 2.
      f.clock.set(T0 + 10 * MINUTE - 1)
      const inside = await govern()
      assert.equal(inside.status, 'Rejected')
      if (inside.status === 'Rejected')
        assert.match(inside.reason, /Transaction count \(3\) is above limit \(2\)/)
      // Exactly t0 + 10m: the first request is exactly 10 minutes old and out; the blocked one was
      // released, so the window holds the t0+1m request and this one.
      f.clock.set(T0 + 10 * MINUTE)
      assert.equal((await govern()).status, 'Allowed')
    })

    it('amount velocity sums the same wallet only, and a denied request leaves the window', async () => {
      await create({
        name: 'amount',
        activityKind: 'Wallets:Sign',
        rule: {
          kind: 'TransactionAmountVelocity',
          configuration: { limit: 100, currency: 'USD', timeframe: 60 },
        },
        action: { kind: 'RequestApproval', approvalGroups: [approvalGroup(['us-a'], 1)] },
      })
      const govern = (usdc: number, walletId = 'wa-1') =>
        f.domain.governance.governWalletRequest(transfer({ usdc, walletId }))
      assert.equal((await govern(60)).status, 'Allowed')
      assert.equal((await govern(90, 'wa-2')).status, 'Allowed', 'another wallet has its own window')
      f.clock.advance(5 * MINUTE)
      const pending = await govern(41)
      assert.equal(pending.status, 'Pending')
      if (pending.status !== 'Pending') return
      assert.match(pending.approval.policyEvaluations[0]!.reason, /\(USD 101\) is above limit \(USD 100\)/)
      await f.domain.approvals.decide(
        ORG,
        pending.approvalId,
        { userId: 'us-a', kind: 'CustomerEmployee' },
        { value: 'Denied' },
      )
      assert.equal(resolved[0]?.status, 'Denied')
      // The denied 41 no longer counts: 60 + 40 = 100 is within the limit.
      assert.equal((await govern(40)).status, 'Allowed')
    })

    it('an unpriced request in the window makes the cumulative amount unknown (fail closed)', async () => {
      await create({
        name: 'amount',
        activityKind: 'Wallets:Sign',
        rule: {
          kind: 'TransactionAmountVelocity',
          configuration: { limit: 1000, currency: 'USD', timeframe: 1 },
        },
        action: { kind: 'Block' },
      })
      // The hash signature is itself blocked (unknown amount) and so released from the window.
      assert.equal((await f.domain.governance.governWalletRequest(hashSignature())).status, 'Rejected')
      assert.equal((await f.domain.governance.governWalletRequest(transfer({ usdc: 1 }))).status, 'Allowed')
    })

    it('counts requests across minute, hour and day buckets exactly like a scan would', async () => {
      await create({
        name: 'count',
        activityKind: 'Wallets:Sign',
        rule: { kind: 'TransactionCountVelocity', configuration: { limit: 1000, timeframe: 43_200 } },
        action: { kind: 'NoAction' },
      })
      // Requests spread over 40 days, 7h13m apart (crossing every bucket boundary), then check the
      // count the rule sees against a direct count of the same dates.
      const dates: number[] = []
      for (let t = T0; t < T0 + 40 * 24 * 60 * MINUTE; t += (7 * 60 + 13) * MINUTE + 17) {
        f.clock.set(t)
        dates.push(t)
        const out = await f.domain.governance.governWalletRequest(transfer())
        assert.equal(out.status, 'Allowed')
        if (out.status !== 'Allowed') return
        const expected = dates.filter((d) => d > t - 43_200 * MINUTE).length
        assert.equal(out.evaluations[0]!.context?.count, expected, `at ${new Date(t).toISOString()}`)
      }
    })
  })
})
