import assert from 'node:assert/strict'
import { afterEach, beforeEach, describe, it } from 'node:test'
import { ManualClock } from '../../src/clock.ts'
import { createPoliciesModule } from '../../src/domains/policies/index.ts'
import { createPriceSource } from '../../src/domains/policies/prices.ts'
import { AppError } from '../../src/errors.ts'
import { createTestDatabase, testDialect } from '../helpers/database.ts'
import { chainalysisPolicy } from '../helpers/policies.ts'
import {
  approvalGroup,
  initiator,
  ORG,
  type PoliciesFixture,
  policiesFixture,
  T0,
} from './policies-fixture.ts'

async function rejectsWith(status: number, promise: Promise<unknown>, field?: string): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof AppError, String(err))
    assert.equal(err.status, status, err.message)
    if (field) assert.equal(err.details?.field, field)
    return true
  })
}

const limitPolicy = (limit: number | string = 1000) => ({
  name: 'Transfer Limit',
  activityKind: 'Wallets:Sign',
  rule: { kind: 'TransactionAmountLimit', configuration: { limit, currency: 'USD' } },
  action: {
    kind: 'RequestApproval',
    autoRejectTimeout: 60,
    approvalGroups: [
      {
        name: 'Admins',
        quorum: 2,
        approvers: { userId: { in: ['us-1', 'us-2', 'us-3'] } },
        initiatorCanApprove: false,
        serviceAccountsCanApprove: false,
      },
    ],
  },
  filters: { walletId: { in: ['wa-1'] } },
})

describe(`policy CRUD (${testDialect})`, () => {
  let f: PoliciesFixture
  beforeEach(async () => {
    f = await policiesFixture()
  })
  afterEach(() => f.close())

  it('creates, reads back exactly what was accepted, and scopes by org', async () => {
    const created = await f.domain.service.create(ORG, limitPolicy('1000'))
    assert.match(created.id, /^plc-/)
    const expected = {
      ...limitPolicy(1000),
      id: created.id,
      status: 'Active',
      dateCreated: new Date(T0).toISOString(),
      dateUpdated: new Date(T0).toISOString(),
    }
    assert.deepEqual(created, expected)
    assert.deepEqual(await f.domain.service.get(ORG, created.id), expected)
    await rejectsWith(404, f.domain.service.get('or-other', created.id))
    await rejectsWith(
      400,
      f.domain.service.create(ORG, { ...limitPolicy(), activityKind: 'Policies:Modify' }),
      'rule.kind',
    )
  })

  it('lists by status with pagination', async () => {
    const ids: string[] = []
    for (let i = 0; i < 5; i++) {
      f.clock.advance(1)
      ids.push((await f.domain.service.create(ORG, { ...limitPolicy(), name: `p${i}` })).id)
    }
    await f.domain.service.archive(ORG, ids[1]!, initiator)
    const seen: string[] = []
    let token: string | undefined
    do {
      const page = await f.domain.service.list(ORG, { limit: 2, paginationToken: token })
      seen.push(...page.items.map((p) => p.id))
      token = page.nextPageToken
    } while (token)
    assert.deepEqual(seen, ids)
    assert.deepEqual(
      (await f.domain.service.list(ORG, { status: 'Archived' })).items.map((p) => p.id),
      [ids[1]],
    )
    assert.equal((await f.domain.service.list(ORG, { status: 'Active' })).items.length, 4)
    assert.equal((await f.domain.service.list('or-other', {})).items.length, 0)
  })

  it('update is a full replace; archive is soft; an archived policy cannot change (422)', async () => {
    const created = await f.domain.service.create(ORG, limitPolicy())
    f.clock.advance(1000)
    const replaced = await f.domain.service.update(
      ORG,
      created.id,
      {
        name: 'Block all',
        activityKind: 'Wallets:Sign',
        rule: { kind: 'AlwaysTrigger' },
        action: { kind: 'Block' },
      },
      initiator,
    )
    assert.equal(replaced.kind, 'Applied')
    if (replaced.kind !== 'Applied') return
    assert.deepEqual(replaced.value, {
      id: created.id,
      name: 'Block all',
      status: 'Active',
      activityKind: 'Wallets:Sign',
      rule: { kind: 'AlwaysTrigger' },
      action: { kind: 'Block' },
      dateCreated: created.dateCreated,
      dateUpdated: new Date(T0 + 1000).toISOString(),
    })
    const archived = await f.domain.service.archive(ORG, created.id, initiator)
    assert.equal(archived.kind === 'Applied' && archived.value.status, 'Archived')
    await rejectsWith(422, f.domain.service.update(ORG, created.id, limitPolicy(), initiator))
    await rejectsWith(422, f.domain.service.archive(ORG, created.id, initiator))
    await rejectsWith(404, f.domain.service.archive(ORG, 'plc-nope', initiator))
  })

  it('a Policies:Modify policy turns update and archive into change requests applied on approval', async () => {
    const target = await f.domain.service.create(ORG, limitPolicy())
    const guard = await f.domain.service.create(ORG, {
      name: 'guard',
      activityKind: 'Policies:Modify',
      rule: { kind: 'AlwaysTrigger' },
      action: { kind: 'RequestApproval', approvalGroups: [approvalGroup(['us-a'], 1)] },
      filters: { policyId: { in: [target.id] } },
    })
    f.clock.advance(5000)
    const update = await f.domain.service.update(ORG, target.id, limitPolicy(5), initiator)
    assert.equal(update.kind, 'Pending')
    if (update.kind !== 'Pending') return
    const cr = update.changeRequest
    assert.deepEqual([cr.kind, cr.operationKind, cr.entityId], ['Policy', 'Update', target.id])
    assert.deepEqual(cr.body, {
      ...limitPolicy(5),
      id: target.id,
      status: 'Active',
      dateCreated: target.dateCreated,
      dateUpdated: new Date(T0 + 5000).toISOString(),
    })
    // Unchanged until approved, and the pending change shows on GET and list.
    const pending = await f.domain.service.get(ORG, target.id)
    assert.equal((pending.rule.configuration as { limit: number }).limit, 1000)
    assert.deepEqual(pending.pendingChangeRequest, cr)
    const listed = await f.domain.service.list(ORG, {})
    assert.deepEqual(listed.items.find((p) => p.id === target.id)?.pendingChangeRequest, cr)
    assert.equal(listed.items.find((p) => p.id === guard.id)?.pendingChangeRequest, undefined)
    await rejectsWith(409, f.domain.service.archive(ORG, target.id, initiator))

    await f.domain.approvals.decide(
      ORG,
      cr.approvalId,
      { userId: 'us-a', kind: 'CustomerEmployee' },
      { value: 'Approved' },
    )
    const applied = await f.domain.service.get(ORG, target.id)
    assert.equal((applied.rule.configuration as { limit: number }).limit, 5)
    assert.equal(applied.pendingChangeRequest, undefined)

    const archive = await f.domain.service.archive(ORG, target.id, initiator)
    if (archive.kind !== 'Pending') return assert.fail('expected Pending')
    assert.equal(archive.changeRequest.operationKind, 'Update')
    assert.equal(archive.changeRequest.body.status, 'Archived')
    await f.domain.approvals.decide(
      ORG,
      archive.changeRequest.approvalId,
      { userId: 'us-a', kind: 'CustomerEmployee' },
      { value: 'Approved' },
    )
    assert.equal((await f.domain.service.get(ORG, target.id)).status, 'Archived')
    // Policies the guard does not name change freely; creating is never gated.
    const free = await f.domain.service.create(ORG, limitPolicy())
    assert.equal((await f.domain.service.archive(ORG, free.id, initiator)).kind, 'Applied')
  })
})

describe(`policy plan gate (${testDialect})`, () => {
  it('vendor rule kinds ask the plan gate for their feature; others do not', async () => {
    const database = await createTestDatabase()
    const asked: string[] = []
    const domain = createPoliciesModule({
      db: database.db,
      clock: new ManualClock(T0),
      prices: createPriceSource(),
      assertFeature: async (_orgId, feature) => {
        asked.push(feature)
        if (feature !== 'travelRule') throw new AppError('payment_required', `${feature} is not on this plan`)
      },
    })
    try {
      await rejectsWith(402, domain.service.create(ORG, chainalysisPolicy))
      await domain.service.create(ORG, {
        ...chainalysisPolicy,
        rule: {
          kind: 'TravelRuleTransactionPrescreening',
          configuration: { vendor: 'Notabene', autoTriggerTimeoutSeconds: 5 },
        },
      })
      await domain.service.create(ORG, limitPolicy())
      assert.deepEqual(asked, ['chainalysis', 'travelRule'])
      assert.equal((await domain.service.list(ORG, {})).items.length, 2)
    } finally {
      await database.dispose()
    }
  })
})
