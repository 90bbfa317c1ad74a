import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { PolicyPendingError } from '@dfns/sdk'
import { testDialect } from '../../helpers/database.ts'
import { pendingBody } from '../../helpers/policies.ts'
import { startWalletd, type TestUser, type Walletd } from '../../helpers/sdk.ts'

/** The acceptance case: a permission update held by a 2-of-3 policy, approved through the SDK. */
describe(`a permission change held for approval (${testDialect})`, () => {
  let w: Walletd
  let users: TestUser[]
  before(async () => {
    w = await startWalletd()
    users = [await w.newUser(), await w.newUser(), await w.newUser()]
    await w.grant(
      users.map((u) => u.userId),
      ['Policies:Approvals:Read', 'Policies:Approvals:Approve'],
      'Approver',
    )
  })
  after(() => w.close())

  it('raises PolicyPendingError with the change request; two other users approve; the change applies', async () => {
    const target = await w.root.permissions.createPermission({
      body: { name: 'Readers', operations: ['Wallets:Read'] },
    })
    await w.root.policies.createPolicy({
      body: {
        name: 'permission changes: 2 of 3',
        activityKind: 'Permissions:Modify',
        rule: { kind: 'AlwaysTrigger' },
        action: {
          kind: 'RequestApproval',
          approvalGroups: [
            { name: 'Admins', quorum: 2, approvers: { userId: { in: users.map((u) => u.userId) } } },
          ],
        },
        filters: { permissionId: { in: [target.id] } },
      },
    })

    let changeRequest: Record<string, unknown> | undefined
    await assert.rejects(
      w.root.permissions.updatePermission({
        permissionId: target.id,
        body: { name: 'Readers and signers', operations: ['Wallets:Read', 'Wallets:GenerateSignature'] },
      }),
      (err: unknown) => {
        assert.ok(err instanceof PolicyPendingError, String(err))
        changeRequest = err.context as Record<string, unknown>
        return true
      },
    )
    assert.ok(changeRequest)
    assert.deepEqual(
      [changeRequest.kind, changeRequest.operationKind, changeRequest.status, changeRequest.entityId],
      ['Permission', 'Update', 'Pending', target.id],
    )
    assert.equal((changeRequest.body as { name: string }).name, 'Readers and signers')
    const approvalId = changeRequest.approvalId as string

    const before = await w.root.permissions.getPermission({ permissionId: target.id })
    assert.equal(before.name, 'Readers')

    assert.equal(
      (await users[0]!.client.policies.createApprovalDecision({ approvalId, body: { value: 'Approved' } }))
        .status,
      'Pending',
    )
    assert.equal(
      (await users[2]!.client.policies.createApprovalDecision({ approvalId, body: { value: 'Approved' } }))
        .status,
      'Approved',
    )
    const after = await w.root.permissions.getPermission({ permissionId: target.id })
    assert.equal(after.name, 'Readers and signers')
    assert.deepEqual([...after.operations].sort(), ['Wallets:GenerateSignature', 'Wallets:Read'])

    const approval = await w.root.policies.getApproval({ approvalId })
    assert.equal(approval.activity.kind, 'Permissions:Modify')
    if (approval.activity.kind === 'Permissions:Modify')
      assert.equal(approval.activity.changeRequest.status, 'Applied')
  })

  it('a denial drops the change', async () => {
    const target = await w.root.permissions.createPermission({
      body: { name: 'Ops', operations: ['Wallets:Read'] },
    })
    await w.root.policies.createPolicy({
      body: {
        name: 'ops changes',
        activityKind: 'Permissions:Modify',
        rule: { kind: 'AlwaysTrigger' },
        action: {
          kind: 'RequestApproval',
          approvalGroups: [{ quorum: 1, approvers: { userId: { in: [users[1]!.userId] } } }],
        },
        filters: { permissionId: { in: [target.id] } },
      },
    })
    const { approvalId } = await pendingBody<{ approvalId: string }>(
      w.root.permissions.updatePermission({ permissionId: target.id, body: { name: 'Ops 2' } }),
    )
    await users[1]!.client.policies.createApprovalDecision({
      approvalId,
      body: { value: 'Denied', reason: 'no' },
    })
    assert.equal((await w.root.permissions.getPermission({ permissionId: target.id })).name, 'Ops')
  })
})
