import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { DfnsApiClient, PolicyPendingError } from '@dfns/sdk'
import { AsymmetricKeySigner } from '@dfns/sdk-keysigner'
import { testDialect } from '../../helpers/database.ts'
import { failsWith } from '../../helpers/fails-with.ts'
import { startWalletd, type TestUser, type Walletd } from '../../helpers/sdk.ts'

const limitPolicy = (limit: number) =>
  ({
    name: 'Transfer Limit',
    activityKind: 'Wallets:Sign',
    rule: { kind: 'TransactionAmountLimit', configuration: { limit, currency: 'USD' } },
    action: { kind: 'Block' },
  }) as const

/** Policies v2 and approvals through the official SDK against a real walletd. */
describe(`policies and approvals through the SDK (${testDialect})`, () => {
  let w: Walletd
  let users: TestUser[]
  before(async () => {
    w = await startWalletd()
    users = [await w.newUser(), await w.newUser(), await w.newUser()]
    // Approvers need the approval operations (the permission guard checks them before the rules do).
    await w.grant(
      users.map((u) => u.userId),
      ['Policies:Read', 'Policies:Approvals:Read', 'Policies:Approvals:Approve'],
      'Approver',
    )
  })
  after(() => w.close())

  it('creates, gets and lists policies; the limit sent as a string comes back a number', async () => {
    const created = await w.root.policies.createPolicy({
      body: {
        ...limitPolicy(1000),
        rule: {
          kind: 'TransactionAmountLimit',
          configuration: { limit: '1000' as unknown as number, currency: 'USD' },
        },
      },
    })
    assert.equal(created.status, 'Active')
    assert.deepEqual(created.rule, {
      kind: 'TransactionAmountLimit',
      configuration: { limit: 1000, currency: 'USD' },
    })
    assert.deepEqual(await w.root.policies.getPolicy({ policyId: created.id }), created)
    const listed = await w.root.policies.listPolicies({ query: { status: 'Active', limit: '50' } })
    assert.ok(listed.items.some((p) => p.id === created.id))
  })

  it('a screening rule needs its vendor feature on the plan: 402 by default', async () => {
    await assert.rejects(
      w.root.policies.createPolicy({
        body: {
          name: 'kyt',
          activityKind: 'Wallets:Sign',
          rule: {
            kind: 'GlobalLedgerTransactionPrescreening',
            configuration: {
              riskScoreThreshold: 50,
              fallbackBehaviours: {
                skipUnscreenableTransaction: true,
                skipUnsupportedNetwork: true,
                skipUnsupportedAsset: true,
                skipGlobalLedgerFailure: true,
              },
            },
          },
          action: { kind: 'NoAction' },
        },
      }),
      failsWith(402, /globalLedger/),
    )
  })

  it('refuses a combination the table does not allow with a 400 naming the field', async () => {
    await assert.rejects(
      w.root.policies.createPolicy({
        body: {
          name: 'x',
          activityKind: 'Policies:Modify',
          rule: { kind: 'AlwaysTrigger' },
          action: { kind: 'Block' },
        } as never,
      }),
      failsWith(400, /^action\.kind: Block is not allowed for Policies:Modify/),
    )
  })

  it('a policy update gated by a 2-of-3 policy raises PolicyPendingError; two approvers apply it', async () => {
    const target = await w.root.policies.createPolicy({ body: limitPolicy(100) })
    await w.root.policies.createPolicy({
      body: {
        name: 'two of three',
        activityKind: 'Policies:Modify',
        rule: { kind: 'AlwaysTrigger' },
        action: {
          kind: 'RequestApproval',
          autoRejectTimeout: 60,
          approvalGroups: [
            { name: 'Admins', quorum: 2, approvers: { userId: { in: users.map((u) => u.userId) } } },
          ],
        },
        filters: { policyId: { in: [target.id] } },
      },
    })

    let pending: Record<string, unknown> | undefined
    await assert.rejects(
      w.root.policies.updatePolicy({ policyId: target.id, body: limitPolicy(5) }),
      (err: unknown) => {
        assert.ok(err instanceof PolicyPendingError)
        assert.equal(err.httpStatus, 202)
        pending = err.context as Record<string, unknown>
        return true
      },
    )
    assert.ok(pending)
    assert.equal(pending.kind, 'Policy')
    assert.equal(pending.operationKind, 'Update')
    assert.equal(pending.status, 'Pending')
    assert.equal(pending.entityId, target.id)
    assert.equal((pending.requester as { userId: string }).userId, w.bootstrap.serviceAccount.userId)
    const approvalId = pending.approvalId as string

    const shown = await w.root.policies.getPolicy({ policyId: target.id })
    assert.equal(shown.pendingChangeRequest?.id, pending.id)
    assert.equal((shown.rule.configuration as { limit: number }).limit, 100)
    // A second change while one is pending.
    await assert.rejects(w.root.policies.archivePolicy({ policyId: target.id }), failsWith(409))

    // The initiator (root) is not in the group; an outsider cannot decide either.
    await assert.rejects(
      w.root.policies.createApprovalDecision({ approvalId, body: { value: 'Approved' } }),
      failsWith(403, /not an approver/),
    )
    const first = await users[0]!.client.policies.createApprovalDecision({
      approvalId,
      body: { value: 'Approved' },
    })
    assert.equal(first.status, 'Pending')
    await assert.rejects(
      users[0]!.client.policies.createApprovalDecision({ approvalId, body: { value: 'Approved' } }),
      failsWith(409),
    )
    const second = await users[1]!.client.policies.createApprovalDecision({
      approvalId,
      body: { value: 'Approved', reason: 'fine' },
    })
    assert.equal(second.status, 'Approved')
    assert.deepEqual(
      second.decisions.map((d) => [d.userId, d.value, d.reason]),
      [
        [users[0]!.userId, 'Approved', null],
        [users[1]!.userId, 'Approved', 'fine'],
      ],
    )
    assert.equal(second.activity.kind, 'Policies:Modify')
    await assert.rejects(
      users[2]!.client.policies.createApprovalDecision({ approvalId, body: { value: 'Denied' } }),
      failsWith(412),
    )

    const applied = await w.root.policies.getPolicy({ policyId: target.id })
    assert.equal((applied.rule.configuration as { limit: number }).limit, 5)
    assert.equal(applied.pendingChangeRequest, undefined)

    const approvals = await users[2]!.client.policies.listApprovals({
      query: { approverId: users[2]!.userId },
    })
    assert.ok(approvals.items.some((a) => a.id === approvalId))
    assert.equal((await w.root.policies.getApproval({ approvalId })).status, 'Approved')
  })

  it('archive under approval; a denial rejects it; expiry drops the next one', async () => {
    const target = await w.root.policies.createPolicy({ body: limitPolicy(7) })
    await w.root.policies.createPolicy({
      body: {
        name: 'guard archive',
        activityKind: 'Policies:Modify',
        rule: { kind: 'AlwaysTrigger' },
        action: {
          kind: 'RequestApproval',
          autoRejectTimeout: 10,
          approvalGroups: [{ quorum: 1, approvers: { userId: { in: [users[0]!.userId] } } }],
        },
        filters: { policyId: { in: [target.id] } },
      },
    })
    const archive = async () => {
      try {
        await w.root.policies.archivePolicy({ policyId: target.id })
      } catch (err) {
        if (err instanceof PolicyPendingError)
          return err.context as { approvalId: string; body: { status: string } }
        throw err
      }
      throw new Error('expected 202')
    }
    const denied = await archive()
    assert.equal(denied.body.status, 'Archived')
    const out = await users[0]!.client.policies.createApprovalDecision({
      approvalId: denied.approvalId,
      body: { value: 'Denied' },
    })
    assert.equal(out.status, 'Denied')
    assert.equal((await w.root.policies.getPolicy({ policyId: target.id })).status, 'Active')

    const expiring = await archive()
    w.clock.advance(10 * 60_000)
    const expired = await w.root.policies.getApproval({ approvalId: expiring.approvalId })
    assert.equal(expired.status, 'Expired')
    assert.equal((await w.root.policies.getPolicy({ policyId: target.id })).status, 'Active')
    assert.equal((await w.root.policies.getPolicy({ policyId: target.id })).pendingChangeRequest, undefined)
  })

  it("unknown ids and another org's ids are 404; a bad decision body is a 400", async () => {
    await assert.rejects(w.root.policies.getPolicy({ policyId: 'plc-nope' }), failsWith(404))
    await assert.rejects(w.root.policies.getApproval({ approvalId: 'ap-nope' }), failsWith(404))
    const mine = await w.root.policies.createPolicy({ body: limitPolicy(1) })
    const other = await w.bootstrapOrg()
    const otherRoot = new DfnsApiClient({
      baseUrl: w.baseUrl,
      orgId: other.orgId,
      authToken: other.serviceAccount.accessToken,
      signer: new AsymmetricKeySigner({
        credId: other.serviceAccount.credId,
        privateKey: other.serviceAccount.privateKey,
      }),
    })
    await assert.rejects(otherRoot.policies.getPolicy({ policyId: mine.id }), failsWith(404))
    await assert.rejects(otherRoot.policies.archivePolicy({ policyId: mine.id }), failsWith(404))
    assert.equal((await otherRoot.policies.listPolicies()).items.length, 0)
    await assert.rejects(
      w.root.policies.createApprovalDecision({
        approvalId: 'ap-nope',
        body: { value: 'Maybe' as 'Approved' },
      }),
      failsWith(400),
    )
  })
})
