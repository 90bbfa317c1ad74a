import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { DfnsApiClient, DfnsError, PolicyPendingError } from '@dfns/sdk'
import { AsymmetricKeySigner } from '@dfns/sdk-keysigner'
import { testDialect } from '../../helpers/database.ts'
import { obtainUserAction, rawRequest, startWalletd, type TestUser, type Walletd } from '../../helpers/sdk.ts'

const rootSigner = (w: Walletd) =>
  new AsymmetricKeySigner({
    credId: w.bootstrap.serviceAccount.credId,
    privateKey: w.bootstrap.serviceAccount.privateKey,
  })

/** The SDK error of `promise`, asserted to carry `status`; returns the parsed error body. */
async function refused(promise: Promise<unknown>, status: number, message?: RegExp) {
  try {
    await promise
  } catch (err) {
    assert.ok(err instanceof DfnsError, String(err))
    assert.equal(err.httpStatus, status, `${err.message} ${JSON.stringify(err.context)}`)
    if (message) assert.match(err.message, message)
    const body = (err.context as { body?: { error?: Record<string, unknown> } } | undefined)?.body
    return body?.error ?? {}
  }
  assert.fail(`expected ${status}, got success`)
}

async function pending(promise: Promise<unknown>) {
  try {
    await promise
  } catch (err) {
    // biome-ignore lint/suspicious/noExplicitAny: the tests read whichever fields the pending change carries
    if (err instanceof PolicyPendingError) return err.context as Record<string, any>
    throw err
  }
  assert.fail('expected 202')
}

const uniqueName = (prefix: string) => `${prefix} ${Math.random().toString(36).slice(2, 8)}`

describe(`permissions and assignments through the SDK (${testDialect})`, () => {
  let w: Walletd
  before(async () => {
    w = await startWalletd()
  })
  after(() => w.close())

  it('create, get, list with pages, update, archive and un-archive', async () => {
    // The seeded ones: DfnsFullAdminAccess, DfnsDefaultEndUserAccess.
    const seeded = (await w.root.permissions.listPermissions({ query: { limit: 500 } })).items.length
    const name = uniqueName('Readers')
    const created = await w.root.permissions.createPermission({
      body: { name, operations: ['Wallets:Read', 'Wallets:Read', 'Keys:Read'] },
    })
    assert.match(created.id, /^pm-[0-9a-z]{5}-[0-9a-z]{5}-[0-9a-z]{16}$/)
    assert.deepEqual(
      { ...created, id: '', dateCreated: '', dateUpdated: '' },
      {
        id: '',
        name,
        operations: ['Wallets:Read', 'Keys:Read'],
        status: 'Active',
        isImmutable: false,
        isArchived: false,
        dateCreated: '',
        dateUpdated: '',
      },
    )
    assert.deepEqual(await w.root.permissions.getPermission({ permissionId: created.id }), created)

    for (let i = 0; i < 3; i++) {
      await w.root.permissions.createPermission({
        body: { name: uniqueName('Page'), operations: ['Orgs:Read'] },
      })
    }
    const seen: string[] = []
    let token: string | undefined
    do {
      const page = await w.root.permissions.listPermissions({
        query: { limit: 2, ...(token ? { paginationToken: token } : {}) },
      })
      assert.ok(page.items.length <= 2)
      seen.push(...page.items.map((p) => p.id))
      token = page.nextPageToken
    } while (token)
    // The seeded ones + the four made here, each once, in id order.
    assert.equal(seen.length, seeded + 4)
    assert.equal(new Set(seen).size, seeded + 4)
    assert.deepEqual([...seen].sort(), seen)
    const badToken = await refused(
      w.root.permissions.listPermissions({ query: { paginationToken: 'not-a-token' } }),
      400,
    )
    assert.deepEqual(badToken.details, { field: 'paginationToken', location: 'querystring' })

    const renamed = await w.root.permissions.updatePermission({
      permissionId: created.id,
      body: { name: `${name} (renamed)`, operations: ['Wallets:Read', 'Wallets:Create'] },
    })
    assert.equal(renamed.name, `${name} (renamed)`)
    assert.deepEqual(renamed.operations, ['Wallets:Read', 'Wallets:Create'])

    const archived = await w.root.permissions.archivePermission({
      permissionId: created.id,
      body: { isArchived: true },
    })
    assert.equal(archived.isArchived, true)
    await refused(
      w.root.permissions.updatePermission({ permissionId: created.id, body: { name: 'x' } }),
      422,
      /archived/,
    )
    const restored = await w.root.permissions.archivePermission({
      permissionId: created.id,
      body: { isArchived: false },
    })
    assert.equal(restored.isArchived, false)
  })

  it('names are unique in the org, archived names included (409); legacy names are accepted, unknown ones are 400', async () => {
    const name = uniqueName('Dup')
    const first = await w.root.permissions.createPermission({ body: { name, operations: ['Wallets:Read'] } })
    const dup = await refused(
      w.root.permissions.createPermission({ body: { name, operations: ['Keys:Read'] } }),
      409,
    )
    assert.deepEqual(dup.details, { name, permissionId: first.id })
    await w.root.permissions.archivePermission({ permissionId: first.id, body: { isArchived: true } })
    await refused(w.root.permissions.createPermission({ body: { name, operations: ['Keys:Read'] } }), 409)
    const other = await w.root.permissions.createPermission({
      body: { name: uniqueName('Other'), operations: ['Keys:Read'] },
    })
    await refused(w.root.permissions.updatePermission({ permissionId: other.id, body: { name } }), 409)

    const legacy = await w.root.permissions.createPermission({
      body: {
        name: uniqueName('Legacy'),
        operations: ['PermissionAssignments:Read', 'Wallets:GenerateSignature'],
      },
    })
    assert.deepEqual(legacy.operations, ['PermissionAssignments:Read', 'Wallets:GenerateSignature'])
    await refused(
      w.root.permissions.createPermission({
        body: { name: uniqueName('Docs'), operations: ['Wallets:TransferAsset' as 'Wallets:Read'] },
      }),
      400,
    )
    await refused(
      w.root.permissions.createPermission({ body: { name: uniqueName('Empty'), operations: [] } }),
      400,
    )
    await refused(
      w.root.permissions.createPermission({ body: { name: '', operations: ['Wallets:Read'] } }),
      400,
    )
  })

  it('assignments: create, 409 naming the existing one, list, revoke (204), revoke again (404)', async () => {
    const permission = await w.root.permissions.createPermission({
      body: { name: uniqueName('Assignable'), operations: ['Wallets:Read'] },
    })
    const sa = await w.newServiceAccount()
    const assignment = await w.root.permissions.createAssignment({
      permissionId: permission.id,
      body: { identityId: sa.userId },
    })
    assert.match(assignment.id, /^as-/)
    assert.deepEqual(
      { ...assignment, id: '', dateCreated: '', dateUpdated: '' },
      {
        id: '',
        permissionId: permission.id,
        identityId: sa.userId,
        isImmutable: false,
        dateCreated: '',
        dateUpdated: '',
      },
    )
    const again = await refused(
      w.root.permissions.createAssignment({ permissionId: permission.id, body: { identityId: sa.userId } }),
      409,
    )
    assert.deepEqual(again.details, {
      existingAssignment: { id: assignment.id, permissionId: permission.id, identityId: sa.userId },
    })

    const pat = await w.newPat()
    const toPat = await w.root.permissions.createAssignment({
      permissionId: permission.id,
      body: { identityId: pat.tokenId },
    })
    const listed = await w.root.permissions.listAssignments({ permissionId: permission.id })
    // Ids order by creation time, and these two share a millisecond of the test's frozen clock.
    assert.deepEqual(listed.items.map((a) => a.id).sort(), [assignment.id, toPat.id].sort())
    const firstPage = await w.root.permissions.listAssignments({
      permissionId: permission.id,
      query: { limit: 1 },
    })
    assert.equal(firstPage.items.length, 1)
    assert.ok(firstPage.nextPageToken)

    // The SDK ignores the body of this one route; check the status without it.
    const revoked = await w.root.permissions.deleteAssignment({
      permissionId: permission.id,
      assignmentId: assignment.id,
    })
    assert.equal(revoked, undefined)
    await refused(
      w.root.permissions.deleteAssignment({ permissionId: permission.id, assignmentId: assignment.id }),
      404,
    )
    // An assignment addressed under another permission does not exist there.
    const other = await w.root.permissions.createPermission({
      body: { name: uniqueName('Elsewhere'), operations: ['Keys:Read'] },
    })
    await refused(
      w.root.permissions.deleteAssignment({ permissionId: other.id, assignmentId: toPat.id }),
      404,
    )
  })

  it('revoke answers 204 with no body on the wire', async () => {
    const permission = await w.root.permissions.createPermission({
      body: { name: uniqueName('Wire'), operations: ['Wallets:Read'] },
    })
    const sa = await w.newServiceAccount()
    const assignment = await w.root.permissions.createAssignment({
      permissionId: permission.id,
      body: { identityId: sa.userId },
    })
    // By hand, to see the raw response the SDK discards: a signed DELETE with the SDK's `{}` body.
    const path = `/permissions/${permission.id}/assignments/${assignment.id}`
    const userAction = await obtainUserAction(
      w.baseUrl,
      w.bootstrap.serviceAccount.accessToken,
      rootSigner(w),
      {
        method: 'DELETE',
        path,
        payload: '{}',
      },
    )
    const seen = await rawRequest(w.baseUrl, {
      method: 'DELETE',
      path,
      token: w.bootstrap.serviceAccount.accessToken,
      userAction,
      body: '{}',
    })
    assert.equal(seen.status, 204)
    assert.equal(seen.body, '')
  })

  it('identities: users, service accounts and PATs of the org; unknown or another org’s → 404; archived permission → 422', async () => {
    const permission = await w.root.permissions.createPermission({
      body: { name: uniqueName('Ids'), operations: ['Wallets:Read'] },
    })
    const user = await w.newUser()
    await w.root.permissions.createAssignment({
      permissionId: permission.id,
      body: { identityId: user.userId },
    })
    for (const identityId of [
      'us-00000-00000-0000000000000000',
      'to-00000-00000-0000000000000000',
      'xx-nothing',
    ]) {
      const err = await refused(
        w.root.permissions.createAssignment({ permissionId: permission.id, body: { identityId } }),
        404,
      )
      assert.equal((err.details as { identityId: string }).identityId, identityId)
    }
    const other = await w.bootstrapOrg()
    await refused(
      w.root.permissions.createAssignment({
        permissionId: permission.id,
        body: { identityId: other.serviceAccount.userId },
      }),
      404,
    )
    // A service account's token is not an identity of its own: its user is.
    const sa = await w.newServiceAccount()
    await refused(
      w.root.permissions.createAssignment({ permissionId: permission.id, body: { identityId: sa.tokenId } }),
      404,
    )
    await w.root.permissions.archivePermission({ permissionId: permission.id, body: { isArchived: true } })
    const err = await refused(
      w.root.permissions.createAssignment({ permissionId: permission.id, body: { identityId: sa.userId } }),
      422,
    )
    assert.deepEqual(err.details, { permissionId: permission.id, isArchived: true })
  })

  it('DfnsFullAdminAccess and its bootstrap assignment are immutable (403)', async () => {
    const { items } = await w.root.permissions.listPermissions({})
    const admin = items.find((p) => p.name === 'DfnsFullAdminAccess')!
    assert.equal(admin.isImmutable, true)
    await refused(
      w.root.permissions.updatePermission({ permissionId: admin.id, body: { name: 'x' } }),
      403,
      /immutable/,
    )
    await refused(
      w.root.permissions.archivePermission({ permissionId: admin.id, body: { isArchived: true } }),
      403,
      /immutable/,
    )
    const rootAssignment = (await w.root.permissions.listAssignments({ permissionId: admin.id })).items.find(
      (a) => a.identityId === w.bootstrap.serviceAccount.userId,
    )
    assert.equal(rootAssignment?.isImmutable, true)
    await refused(
      w.root.permissions.deleteAssignment({ permissionId: admin.id, assignmentId: rootAssignment!.id }),
      403,
      /immutable/,
    )
    // Assigning it to someone else is allowed and mutable.
    const sa = await w.newServiceAccount({ permissionId: admin.id })
    const granted = (await w.root.permissions.listAssignments({ permissionId: admin.id })).items.find(
      (a) => a.identityId === sa.userId,
    )
    assert.equal(granted?.isImmutable, false)
  })

  describe('enforcement', () => {
    let readerId: string
    before(async () => {
      readerId = (
        await w.root.permissions.createPermission({
          body: { name: uniqueName('PermReader'), operations: ['Permissions:Read', 'Auth:Pats:Create'] },
        })
      ).id
    })

    it('a caller without the operation gets 403 in the Dfns shape; assigning it grants it at once; revoking takes it away', async () => {
      const sa = await w.newServiceAccount({ permissionId: readerId })
      await sa.client.permissions.listPermissions({})
      const err = await refused(
        sa.client.permissions.createPermission({
          body: { name: uniqueName('Nope'), operations: ['Wallets:Read'] },
        }),
        403,
      )
      assert.equal(
        err.message,
        `ServiceAccount ${sa.userId} is not authorized to perform operation (Permissions:Create)`,
      )
      assert.deepEqual(err.details, {
        operation: 'Permissions:Create',
        identityId: sa.userId,
        kind: 'ServiceAccount',
      })

      const creator = await w.root.permissions.createPermission({
        body: { name: uniqueName('Creator'), operations: ['Permissions:Create'] },
      })
      const assignment = await w.root.permissions.createAssignment({
        permissionId: creator.id,
        body: { identityId: sa.userId },
      })
      await sa.client.permissions.createPermission({
        body: { name: uniqueName('Yes'), operations: ['Wallets:Read'] },
      })
      await w.root.permissions.deleteAssignment({ permissionId: creator.id, assignmentId: assignment.id })
      await refused(
        sa.client.permissions.createPermission({
          body: { name: uniqueName('Again'), operations: ['Wallets:Read'] },
        }),
        403,
      )
    })

    it('an archived permission grants nothing; un-archiving restores it', async () => {
      const sa = await w.newServiceAccount({ permissionId: readerId })
      const extra = await w.root.permissions.createPermission({
        body: { name: uniqueName('Assignments reader'), operations: ['PermissionAssignments:Read'] },
      })
      await w.root.permissions.createAssignment({ permissionId: extra.id, body: { identityId: sa.userId } })
      // A legacy name grants its current meaning.
      await sa.client.permissions.listAssignments({ permissionId: extra.id })
      await w.root.permissions.archivePermission({ permissionId: extra.id, body: { isArchived: true } })
      await refused(
        sa.client.permissions.listAssignments({ permissionId: extra.id }),
        403,
        /Permissions:Assignments:Read/,
      )
      await w.root.permissions.archivePermission({ permissionId: extra.id, body: { isArchived: false } })
      await sa.client.permissions.listAssignments({ permissionId: extra.id })
    })

    it('a PAT holds its own assignments ∩ its user’s', async () => {
      const sa = await w.newServiceAccount({ permissionId: readerId })
      const pat = await w.newPat({ by: sa.client })
      await pat.client.permissions.listPermissions({})
      const { items } = await w.root.permissions.listPermissions({ query: { limit: 500 } })
      const admin = items.find((p) => p.name === 'DfnsFullAdminAccess')!
      // Everything for the PAT, but its user still cannot create permissions: neither can the PAT.
      await w.root.permissions.createAssignment({ permissionId: admin.id, body: { identityId: pat.tokenId } })
      const err = await refused(
        pat.client.permissions.createPermission({
          body: { name: uniqueName('Pat'), operations: ['Wallets:Read'] },
        }),
        403,
      )
      assert.equal(
        err.message,
        `Pat ${pat.tokenId} is not authorized to perform operation (Permissions:Create)`,
      )
      const creator = await w.root.permissions.createPermission({
        body: { name: uniqueName('SA creator'), operations: ['Permissions:Create'] },
      })
      await w.root.permissions.createAssignment({ permissionId: creator.id, body: { identityId: sa.userId } })
      await pat.client.permissions.createPermission({
        body: { name: uniqueName('Pat ok'), operations: ['Wallets:Read'] },
      })
    })

    it('another org’s permission is a 404 for a caller holding every operation, never a 403', async () => {
      const other = await w.bootstrapOrg()
      const otherClient = new DfnsApiClient({
        baseUrl: w.baseUrl,
        orgId: other.orgId,
        authToken: other.serviceAccount.accessToken,
      })
      const theirs = (await otherClient.permissions.listPermissions({})).items[0]!
      await refused(w.root.permissions.getPermission({ permissionId: theirs.id }), 404)
      await refused(w.root.permissions.listAssignments({ permissionId: theirs.id }), 404)
      await refused(
        w.root.permissions.archivePermission({ permissionId: theirs.id, body: { isArchived: true } }),
        404,
      )
    })
  })

  describe('changes held by Permissions:Modify / Permissions:Assign policies (202)', () => {
    let approver: TestUser
    before(async () => {
      approver = await w.newUser()
      const approvals = await w.root.permissions.createPermission({
        body: {
          name: uniqueName('Approver'),
          operations: [
            'Policies:Read',
            'Policies:Approvals:Read',
            'Policies:Approvals:Approve',
            'Permissions:Read',
          ],
        },
      })
      await w.root.permissions.createAssignment({
        permissionId: approvals.id,
        body: { identityId: approver.userId },
      })
    })

    it('an update waits for approval, shows as pendingChangeRequest, and applies once approved', async () => {
      const target = await w.root.permissions.createPermission({
        body: { name: uniqueName('Governed'), operations: ['Wallets:Read'] },
      })
      await w.root.policies.createPolicy({
        body: {
          name: 'permission changes need approval',
          activityKind: 'Permissions:Modify',
          rule: { kind: 'AlwaysTrigger' },
          action: {
            kind: 'RequestApproval',
            approvalGroups: [{ quorum: 1, approvers: { userId: { in: [approver.userId] } } }],
          },
          filters: { permissionId: { in: [target.id] } },
        },
      })
      const change = await pending(
        w.root.permissions.updatePermission({
          permissionId: target.id,
          body: { operations: ['Wallets:Read', 'Keys:Read'] },
        }),
      )
      assert.equal(change.kind, 'Permission')
      assert.equal(change.operationKind, 'Update')
      assert.equal(change.status, 'Pending')
      assert.equal(change.entityId, target.id)
      assert.deepEqual(change.body.operations, ['Wallets:Read', 'Keys:Read'])

      const shown = await w.root.permissions.getPermission({ permissionId: target.id })
      assert.deepEqual(shown.operations, ['Wallets:Read'])
      assert.equal(shown.pendingChangeRequest?.id, change.id)
      const listed = (await w.root.permissions.listPermissions({ query: { limit: 500 } })).items.find(
        (p) => p.id === target.id,
      )
      assert.equal(listed?.pendingChangeRequest?.id, change.id)
      // A second change of the same permission while one is pending → 409.
      await refused(
        w.root.permissions.updatePermission({ permissionId: target.id, body: { name: 'x' } }),
        409,
      )

      await approver.client.policies.createApprovalDecision({
        approvalId: change.approvalId,
        body: { value: 'Approved' },
      })
      const applied = await w.root.permissions.getPermission({ permissionId: target.id })
      assert.deepEqual(applied.operations, ['Wallets:Read', 'Keys:Read'])
      assert.equal(applied.pendingChangeRequest, undefined)
    })

    it('assignment create and delete wait for approval; force=true revokes at once', async () => {
      const target = await w.root.permissions.createPermission({
        body: { name: uniqueName('Assign governed'), operations: ['Wallets:Read'] },
      })
      await w.root.policies.createPolicy({
        body: {
          name: 'assignments need approval',
          activityKind: 'Permissions:Assign',
          rule: { kind: 'AlwaysTrigger' },
          action: {
            kind: 'RequestApproval',
            approvalGroups: [{ quorum: 1, approvers: { userId: { in: [approver.userId] } } }],
          },
          filters: { permissionId: { in: [target.id] } },
        },
      })
      const sa = await w.newServiceAccount()
      const create = await pending(
        w.root.permissions.createAssignment({ permissionId: target.id, body: { identityId: sa.userId } }),
      )
      assert.equal(create.kind, 'Assignment')
      assert.equal(create.operationKind, 'Create')
      assert.equal(create.body.identityId, sa.userId)
      assert.equal((await w.root.permissions.listAssignments({ permissionId: target.id })).items.length, 0)
      await approver.client.policies.createApprovalDecision({
        approvalId: create.approvalId,
        body: { value: 'Approved' },
      })
      const [assignment] = (await w.root.permissions.listAssignments({ permissionId: target.id })).items
      assert.equal(assignment?.id, create.entityId)

      const del = await pending(
        w.root.permissions.deleteAssignment({ permissionId: target.id, assignmentId: assignment!.id }),
      )
      assert.equal(del.operationKind, 'Delete')
      const shown = (await w.root.permissions.listAssignments({ permissionId: target.id })).items[0]
      assert.equal(shown?.pendingChangeRequest?.id, del.id)

      // force bypasses the approval process (SDK: DeleteAssignmentQuery.force).
      const response = await rawRequest(w.baseUrl, {
        method: 'GET',
        path: `/permissions/${target.id}/assignments`,
        token: w.bootstrap.serviceAccount.accessToken,
      })
      assert.equal(response.status, 200)
      await w.root.permissions.deleteAssignment({
        permissionId: target.id,
        assignmentId: assignment!.id,
        query: { force: true },
      })
      assert.equal((await w.root.permissions.listAssignments({ permissionId: target.id })).items.length, 0)
    })
  })
})
