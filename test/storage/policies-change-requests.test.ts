import assert from 'node:assert/strict'
import { afterEach, beforeEach, describe, it } from 'node:test'
import type { Decider } from '../../src/domains/policies/approvals.ts'
import type { ChangeRequest } from '../../src/domains/policies/schemas.ts'
import { AppError } from '../../src/errors.ts'
import { testDialect } from '../helpers/database.ts'
import {
  approvalGroup,
  initiator,
  ORG,
  type PoliciesFixture,
  policiesFixture,
  T0,
} from './policies-fixture.ts'

const MINUTE = 60_000
const user = (userId: string): Decider => ({ userId, kind: 'CustomerEmployee' })

async function rejectsWith(status: number, promise: Promise<unknown>): Promise<void> {
  await assert.rejects(promise, (err: unknown) => err instanceof AppError && err.status === status)
}

describe(`change requests (${testDialect})`, () => {
  let f: PoliciesFixture
  /** A stand-in permissions store: the applier the permissions domain would register. */
  let permissions: Map<string, { name: string; operations: string[]; isArchived: boolean }>
  let applied: ChangeRequest[]
  beforeEach(async () => {
    f = await policiesFixture()
    permissions = new Map([['pm-1', { name: 'Ops', operations: ['Wallets:Read'], isArchived: false }]])
    applied = []
    f.domain.changeRequests.registerApplier('Permission', async (cr) => {
      applied.push(cr)
      const body = cr.body as { name: string; operations: string[]; isArchived: boolean }
      if (body.name === 'explode') throw new Error('cannot apply')
      permissions.set(cr.entityId, {
        name: body.name,
        operations: body.operations,
        isArchived: body.isArchived,
      })
    })
  })
  afterEach(() => f.close())

  const gatePermissions = (quorum: number, users: string[], extra: Record<string, unknown> = {}) =>
    f.domain.service.create(ORG, {
      name: 'permission changes need approval',
      activityKind: 'Permissions:Modify',
      rule: { kind: 'AlwaysTrigger' },
      action: { kind: 'RequestApproval', approvalGroups: [approvalGroup(users, quorum)], ...extra },
      filters: { permissionId: { in: ['pm-1'] } },
    })

  const submitPermissionUpdate = (name: string, entityId = 'pm-1') =>
    f.domain.changeRequests.submitChange({
      orgId: ORG,
      initiator,
      kind: 'Permission',
      operationKind: 'Update',
      entityId,
      permissionId: entityId,
      body: {
        id: entityId,
        name,
        status: 'Active',
        operations: ['Wallets:Read'],
        isImmutable: false,
        isArchived: false,
      },
    })

  it('with no policy the change applies at once', async () => {
    assert.deepEqual(await submitPermissionUpdate('Ops2'), { outcome: 'Apply', evaluations: [] })
  })

  it('a 2-of-3 policy holds the change; two approvals apply it; it shows as pendingChangeRequest meanwhile', async () => {
    await gatePermissions(2, ['us-a', 'us-b', 'us-c'])
    const out = await submitPermissionUpdate('Ops2')
    assert.equal(out.outcome, 'Pending')
    if (out.outcome !== 'Pending') return
    const cr = out.changeRequest
    // The 202 body of a change.
    assert.deepEqual(Object.keys(cr).sort(), [
      'approvalId',
      'body',
      'dateCreated',
      'entityId',
      'id',
      'kind',
      'operationKind',
      'requester',
      'status',
    ])
    assert.match(cr.id, /^cr-/)
    assert.match(cr.approvalId, /^ap-/)
    assert.deepEqual(
      [cr.kind, cr.operationKind, cr.status, cr.entityId, cr.dateCreated],
      ['Permission', 'Update', 'Pending', 'pm-1', new Date(T0).toISOString()],
    )
    assert.deepEqual(cr.requester, { userId: initiator.userId, tokenId: 'to-1' })
    assert.deepEqual(await f.domain.changeRequests.pendingFor(ORG, 'pm-1'), cr)

    const approval = await f.domain.approvals.get(ORG, cr.approvalId)
    assert.equal(approval.activity.kind, 'Permissions:Modify')
    assert.deepEqual(approval.activity.changeRequest, cr)

    await f.domain.approvals.decide(ORG, cr.approvalId, user('us-a'), { value: 'Approved' })
    assert.equal(permissions.get('pm-1')!.name, 'Ops')
    f.clock.advance(1000)
    await f.domain.approvals.decide(ORG, cr.approvalId, user('us-b'), { value: 'Approved' })
    assert.equal(permissions.get('pm-1')!.name, 'Ops2')
    const after = await f.domain.changeRequests.get(ORG, cr.id)
    assert.equal(after?.status, 'Applied')
    assert.equal(after?.dateResolved, new Date(T0 + 1000).toISOString())
    assert.equal(await f.domain.changeRequests.pendingFor(ORG, 'pm-1'), undefined)
    const { activity } = await f.domain.approvals.get(ORG, cr.approvalId)
    assert.ok('changeRequest' in activity)
    assert.equal(activity.changeRequest.status, 'Applied', 'approval shows the outcome')
    const listed = (await f.domain.approvals.list(ORG, {})).items[0]!.activity
    assert.ok('changeRequest' in listed)
    assert.equal(listed.changeRequest.status, 'Applied', 'so does the list')
  })

  it('a second change to the same entity while one is pending → 409; other entities are free', async () => {
    await gatePermissions(1, ['us-a'])
    const first = await submitPermissionUpdate('A')
    await rejectsWith(409, submitPermissionUpdate('B'))
    assert.equal((await submitPermissionUpdate('C', 'pm-2')).outcome, 'Apply', 'pm-2 is not governed')
    if (first.outcome !== 'Pending') return assert.fail('expected Pending')
    await f.domain.approvals.decide(ORG, first.changeRequest.approvalId, user('us-a'), { value: 'Denied' })
    assert.equal((await submitPermissionUpdate('D')).outcome, 'Pending', 'free again once resolved')
  })

  it('two conflicting changes submitted at once: one is pending, the other is 409', async () => {
    await gatePermissions(1, ['us-a'])
    const results = await Promise.allSettled([submitPermissionUpdate('A'), submitPermissionUpdate('B')])
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1)
    const failed = results.find((r) => r.status === 'rejected') as PromiseRejectedResult
    assert.equal((failed.reason as AppError).status, 409)
  })

  it('denied → Rejected and nothing applied; expired → Rejected', async () => {
    await gatePermissions(1, ['us-a'], { autoRejectTimeout: 10 })
    const denied = await submitPermissionUpdate('A')
    if (denied.outcome !== 'Pending') return assert.fail('expected Pending')
    await f.domain.approvals.decide(ORG, denied.changeRequest.approvalId, user('us-a'), { value: 'Denied' })
    assert.equal((await f.domain.changeRequests.get(ORG, denied.changeRequest.id))?.status, 'Rejected')
    assert.equal(applied.length, 0)

    const expired = await submitPermissionUpdate('B')
    if (expired.outcome !== 'Pending') return assert.fail('expected Pending')
    f.clock.advance(10 * MINUTE)
    assert.equal(await f.domain.approvals.expireDueApprovals(), 1)
    assert.equal((await f.domain.changeRequests.get(ORG, expired.changeRequest.id))?.status, 'Rejected')
    assert.equal(applied.length, 0)
    assert.equal(permissions.get('pm-1')!.name, 'Ops')
  })

  it('an applier error → Failed', async () => {
    await gatePermissions(1, ['us-a'])
    const out = await submitPermissionUpdate('explode')
    if (out.outcome !== 'Pending') return assert.fail('expected Pending')
    await f.domain.approvals.decide(ORG, out.changeRequest.approvalId, user('us-a'), { value: 'Approved' })
    assert.equal((await f.domain.changeRequests.get(ORG, out.changeRequest.id))?.status, 'Failed')
  })

  it('Block on Permissions:Assign refuses the change with 403', async () => {
    await f.domain.service.create(ORG, {
      name: 'no assignments',
      activityKind: 'Permissions:Assign',
      rule: { kind: 'AlwaysTrigger' },
      action: { kind: 'Block' },
    })
    await rejectsWith(
      403,
      f.domain.changeRequests.submitChange({
        orgId: ORG,
        initiator,
        kind: 'Assignment',
        operationKind: 'Create',
        entityId: 'as-new',
        permissionId: 'pm-1',
        conflictKey: 'pm-1/us-x',
        body: { id: 'as-new', permissionId: 'pm-1', identityId: 'us-x', isImmutable: false },
      }),
    )
  })

  it('an approval whose applier is not registered yet stays pending until it is, then applies', async () => {
    await f.domain.service.create(ORG, {
      name: 'assignments need approval',
      activityKind: 'Permissions:Assign',
      rule: { kind: 'AlwaysTrigger' },
      action: { kind: 'RequestApproval', approvalGroups: [approvalGroup(['us-a'], 1)] },
    })
    const out = await f.domain.changeRequests.submitChange({
      orgId: ORG,
      initiator,
      kind: 'Assignment',
      operationKind: 'Delete',
      entityId: 'as-1',
      permissionId: 'pm-1',
      body: { id: 'as-1', permissionId: 'pm-1', identityId: 'us-x', isImmutable: false },
    })
    if (out.outcome !== 'Pending') return assert.fail('expected Pending')
    await f.domain.approvals.decide(ORG, out.changeRequest.approvalId, user('us-a'), { value: 'Approved' })
    assert.equal((await f.domain.changeRequests.get(ORG, out.changeRequest.id))?.status, 'Pending')
    const deleted: string[] = []
    f.domain.changeRequests.registerApplier('Assignment', async (cr) => {
      deleted.push(cr.entityId)
    })
    assert.equal(await f.domain.approvals.dispatchResolvedApprovals(), 1)
    assert.deepEqual(deleted, ['as-1'])
    assert.equal((await f.domain.changeRequests.get(ORG, out.changeRequest.id))?.status, 'Applied')
  })
})
