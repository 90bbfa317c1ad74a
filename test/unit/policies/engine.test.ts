import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { WalletSignActivity } from '../../../src/domains/policies/activity.ts'
import { evaluatePolicies, policyApplies } from '../../../src/domains/policies/engine.ts'
import type { Action, Filters, Rule } from '../../../src/domains/policies/policy-body.ts'
import type { Policy } from '../../../src/domains/policies/schemas.ts'

const activity: WalletSignActivity = {
  kind: 'Wallets:Sign',
  orgId: 'or-1',
  walletId: 'wa-1',
  walletTags: ['hot', 'eu'],
  requestId: 'sig-1',
  requestField: 'signatureRequest',
  request: {},
  initiator: { userId: 'us-init', kind: 'CustomerEmployee' },
  recipient: '0x1',
  value: { symbol: 'ETH', decimals: 0, amount: '1' },
}

let seq = 0
function policy(rule: Rule, action: Action, filters?: Filters, over: Partial<Policy> = {}): Policy {
  seq++
  return {
    id: `plc-${String(seq).padStart(3, '0')}`,
    name: `p${seq}`,
    status: 'Active',
    activityKind: 'Wallets:Sign',
    rule,
    action,
    ...(filters ? { filters } : {}),
    dateCreated: '2026-01-01T00:00:00.000Z',
    dateUpdated: '2026-01-01T00:00:00.000Z',
    ...over,
  }
}
const always: Rule = { kind: 'AlwaysTrigger' }
const never: Rule = { kind: 'TransactionAmountLimit', configuration: { limit: 1_000_000, currency: 'USD' } }
const approval = (quorum: number, timeout?: number | null): Action => ({
  kind: 'RequestApproval',
  approvalGroups: [{ name: `q${quorum}`, quorum, approvers: {} }],
  ...(timeout === undefined ? {} : { autoRejectTimeout: timeout }),
})
const input = { activity, usdValue: 10, window: async () => ({ count: 1, amountUsd: 10, unpricedCount: 0 }) }

describe('evaluatePolicies', () => {
  it('allows when nothing triggers, recording every evaluated policy', async () => {
    const out = await evaluatePolicies([policy(never, { kind: 'Block' })], input)
    assert.equal(out.kind, 'Allow')
    assert.equal(out.evaluations.length, 1)
    assert.equal(out.evaluations[0]!.triggered, false)
  })

  it('NoAction triggers only an evaluation', async () => {
    const out = await evaluatePolicies([policy(always, { kind: 'NoAction' })], input)
    assert.equal(out.kind, 'Allow')
    assert.equal(out.evaluations[0]!.triggered, true)
  })

  it('Block wins over RequestApproval, whatever the order', async () => {
    const a = policy(always, approval(1))
    const b = policy(always, { kind: 'Block' })
    for (const set of [
      [a, b],
      [b, a],
    ]) {
      const out = await evaluatePolicies(set, input)
      assert.equal(out.kind, 'Block')
      if (out.kind === 'Block') {
        assert.deepEqual(out.blockingPolicyIds, [b.id])
        assert.match(out.reason, new RegExp(`Blocked by policy ${b.id}`))
      }
    }
  })

  it('merges the groups of every triggered RequestApproval policy into one approval, earliest timeout', async () => {
    const a = policy(always, approval(1, 60))
    const b = policy(always, approval(2, 15))
    const c = policy(always, approval(3, null))
    const quiet = policy(never, approval(9, 1))
    const out = await evaluatePolicies([c, quiet, b, a], input)
    assert.equal(out.kind, 'RequestApproval')
    if (out.kind !== 'RequestApproval') return
    assert.deepEqual(
      out.groups.map((g) => [g.policyId, g.quorum]),
      [
        [a.id, 1],
        [b.id, 2],
        [c.id, 3],
      ],
    )
    assert.equal(out.expiresInMinutes, 15)
    assert.equal(out.evaluations.length, 4)
  })

  it('an approval with no timeout never expires', async () => {
    const out = await evaluatePolicies([policy(always, approval(1))], input)
    assert.equal(out.kind === 'RequestApproval' && out.expiresInMinutes, undefined)
  })

  it('ignores archived policies and other activity kinds', async () => {
    const archived = policy(always, { kind: 'Block' }, undefined, { status: 'Archived' })
    const other = policy(always, { kind: 'Block' }, undefined, { activityKind: 'Permissions:Modify' })
    assert.equal((await evaluatePolicies([archived, other], input)).kind, 'Allow')
  })
})

describe('policy filters', () => {
  const with_ = (filters: Filters) => policyApplies(policy(always, { kind: 'Block' }, filters), activity)
  it('walletId.in', () => {
    assert.equal(with_({ walletId: { in: ['wa-1', 'wa-2'] } }), true)
    assert.equal(with_({ walletId: { in: ['wa-2'] } }), false)
  })
  it('walletTags.hasAny / hasAll, AND between keys', () => {
    assert.equal(with_({ walletTags: { hasAny: ['cold', 'eu'] } }), true)
    assert.equal(with_({ walletTags: { hasAny: ['cold'] } }), false)
    assert.equal(with_({ walletTags: { hasAll: ['hot', 'eu'] } }), true)
    assert.equal(with_({ walletTags: { hasAll: ['hot', 'us'] } }), false)
    assert.equal(with_({ walletId: { in: ['wa-1'] }, walletTags: { hasAll: ['us'] } }), false)
    assert.equal(with_({ walletId: { in: ['wa-1'] }, walletTags: { hasAny: ['hot'], hasAll: ['eu'] } }), true)
  })
  it('empty lists and no filters constrain nothing (errs towards governing)', () => {
    assert.equal(with_({}), true)
    assert.equal(with_({ walletId: { in: [] }, walletTags: { hasAny: [] } }), true)
    assert.equal(policyApplies(policy(always, { kind: 'Block' }), activity), true)
  })
  it('permissionId and policyId filters for change activities', () => {
    const change = {
      kind: 'Permissions:Modify' as const,
      orgId: 'or-1',
      initiator: activity.initiator,
      permissionId: 'pm-1',
      changeRequest: {} as never,
    }
    const p = (ids: string[]) =>
      policy(always, { kind: 'Block' }, { permissionId: { in: ids } }, { activityKind: 'Permissions:Modify' })
    assert.equal(policyApplies(p(['pm-1']), change), true)
    assert.equal(policyApplies(p(['pm-2']), change), false)
    const pol = policy(
      always,
      approval(1),
      { policyId: { in: ['plc-x'] } },
      { activityKind: 'Policies:Modify' },
    )
    assert.equal(policyApplies(pol, { ...change, kind: 'Policies:Modify', policyId: 'plc-x' }), true)
    assert.equal(policyApplies(pol, { ...change, kind: 'Policies:Modify', policyId: 'plc-y' }), false)
  })
})
