import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { type DfnsApiClient, DfnsError } from '@dfns/sdk'
import { AsymmetricKeySigner } from '@dfns/sdk-keysigner'
import { testDialect } from '../../helpers/database.ts'
import { failsWith } from '../../helpers/fails-with.ts'
import { pendingBody } from '../../helpers/policies.ts'
import {
  assertErrorBody,
  KeyCredentialSigner,
  newKey,
  rawRequest,
  startWalletd,
  type TestUser,
  type Walletd,
} from '../../helpers/sdk.ts'

/** Issue: privilege escalations through identity creation, token scope and caller kind. */
describe(`no identity or token becomes more than it is (${testDialect})`, () => {
  let w: Walletd
  let fullAdminId: string
  before(async () => {
    w = await startWalletd()
    const permissions = await w.root.permissions.listPermissions({})
    fullAdminId = permissions.items.find((p) => p.name === 'DfnsFullAdminAccess')!.id
  })
  after(() => w.close())

  const permissionNamed = async (name: string, operations: string[]) =>
    w.root.permissions.createPermission({ body: { name, operations: operations as never } })

  describe('granting at creation needs what a direct assignment needs', () => {
    it('a service account holding only Auth:ServiceAccounts:Create cannot create a full admin', async () => {
      const creator = await w.newServiceAccount({
        permissionId: (await permissionNamed('sa-creators', ['Auth:ServiceAccounts:Create'])).id,
      })
      await assert.rejects(
        creator.client.auth.createServiceAccount({
          body: { name: 'escalated', publicKey: newKey().publicKey, permissionId: fullAdminId },
        }),
        failsWith(403, /Permissions:Assign/),
      )
      // Refused before anything was written: no such account exists.
      const accounts = await w.root.auth.listServiceAccounts()
      assert.equal(
        accounts.items.some((a) => a.userInfo.username === 'escalated'),
        false,
      )
    })

    it('nor through POST /auth/pats', async () => {
      const creator = await w.newServiceAccount({
        permissionId: (await permissionNamed('pat-creators', ['Auth:Pats:Create'])).id,
      })
      await assert.rejects(
        creator.client.auth.createPersonalAccessToken({
          body: { name: 'escalated', publicKey: newKey().publicKey, permissionId: fullAdminId },
        }),
        failsWith(403, /Permissions:Assign/),
      )
      assert.deepEqual((await creator.client.auth.listPersonalAccessTokens()).items, [])
    })

    it('with Permissions:Assign it is granted, as a direct assignment would be', async () => {
      const readers = await permissionNamed('readers-1', ['Wallets:Read'])
      const creator = await w.newServiceAccount({
        permissionId: (
          await permissionNamed('assigners', ['Auth:ServiceAccounts:Create', 'Permissions:Assign'])
        ).id,
      })
      const sa = await creator.client.auth.createServiceAccount({
        body: { name: 'reader', publicKey: newKey().publicKey, permissionId: readers.id },
      })
      assert.deepEqual(
        sa.userInfo.permissionAssignments.map((a) => a.permissionId),
        [readers.id],
      )
    })

    describe('Permissions:Assign policies', () => {
      let approver: TestUser
      let readers: { id: string }
      before(async () => {
        approver = await w.newUser()
        await w.grant([approver.userId], ['Policies:Approvals:Read', 'Policies:Approvals:Approve'])
        readers = await permissionNamed('readers-2', ['Wallets:Read'])
        await w.root.policies.createPolicy({
          body: {
            name: 'granting readers needs approval',
            activityKind: 'Permissions:Assign',
            rule: { kind: 'AlwaysTrigger' },
            action: {
              kind: 'RequestApproval',
              approvalGroups: [{ quorum: 1, approvers: { userId: { in: [approver.userId] } } }],
            },
            filters: { permissionId: { in: [readers.id] } },
          },
        })
      })

      it('a RequestApproval policy answers 202: the account exists, holds nothing until approved', async () => {
        const key = newKey()
        const created = await pendingBody<{
          userInfo: { userId: string; permissionAssignments: unknown[] }
          accessTokens: { accessToken: string; credId: string }[]
          pendingChangeRequest: { kind: string; operationKind: string; status: string; approvalId: string }
        }>(
          w.root.auth.createServiceAccount({
            body: { name: 'awaiting', publicKey: key.publicKey, permissionId: readers.id },
          }),
        )
        assert.deepEqual(created.userInfo.permissionAssignments, [])
        const cr = created.pendingChangeRequest
        assert.deepEqual([cr.kind, cr.operationKind, cr.status], ['Assignment', 'Create', 'Pending'])
        const token = created.accessTokens[0]!
        const sa = w.client(
          token.accessToken,
          new AsymmetricKeySigner({ credId: token.credId, privateKey: key.privateKey }),
        )
        await assert.rejects(sa.wallets.listWallets({}), failsWith(403, /Wallets:Read/))

        await approver.client.policies.createApprovalDecision({
          approvalId: cr.approvalId,
          body: { value: 'Approved' },
        })
        const got = await w.root.auth.getServiceAccount({ serviceAccountId: created.userInfo.userId })
        assert.deepEqual(
          got.userInfo.permissionAssignments.map((a) => a.permissionId),
          [readers.id],
        )
        assert.deepEqual((await sa.wallets.listWallets({})).items, [])
      })

      it('a Block policy refuses the creation and creates nothing', async () => {
        const blocked = await permissionNamed('blocked-grant', ['Wallets:Read'])
        await w.root.policies.createPolicy({
          body: {
            name: 'never grant blocked-grant',
            activityKind: 'Permissions:Assign',
            rule: { kind: 'AlwaysTrigger' },
            action: { kind: 'Block' },
            filters: { permissionId: { in: [blocked.id] } },
          },
        })
        await assert.rejects(
          w.root.auth.createPersonalAccessToken({
            body: { name: 'blocked', publicKey: newKey().publicKey, permissionId: blocked.id },
          }),
          failsWith(403, /blocked by policy/),
        )
        const pats = await w.root.auth.listPersonalAccessTokens()
        assert.equal(
          pats.items.some((p) => p.name === 'blocked'),
          false,
        )
      })
    })

    it("without permissionId a PAT's creation gets its effective permissions, not its own assignment", async () => {
      const user = await w.newUser()
      const limited = await permissionNamed('limited', ['Auth:ServiceAccounts:Create', 'Auth:Pats:Create'])
      await w.root.permissions.createAssignment({
        permissionId: limited.id,
        body: { identityId: user.userId },
      })
      const pat = await w.newPat({ by: user.client })
      // The PAT is given more than its user holds; it can still only do what its user can.
      await w.root.permissions.createAssignment({
        permissionId: fullAdminId,
        body: { identityId: pat.tokenId },
      })
      const sa = await pat.client.auth.createServiceAccount({
        body: { name: 'made-by-broad-pat', publicKey: newKey().publicKey },
      })
      assert.deepEqual(
        sa.userInfo.permissionAssignments.map((a) => a.permissionId),
        [limited.id],
      )
    })
  })

  describe('a token cannot become more than it is', () => {
    it('a PAT cannot add a credential to its user (the start of the session escalation)', async () => {
      const user = await w.newUser()
      await w.grant([user.userId], ['Auth:Pats:Create'])
      const pat = await w.newPat({ by: user.client })
      await assert.rejects(
        pat.client.auth.createCredentialChallenge({ body: { kind: 'Key' } }),
        failsWith(403, /login session/),
      )
      // Nor by skipping init: the create itself is refused, as are activate and deactivate.
      const signer = new KeyCredentialSigner(newKey())
      await assert.rejects(
        pat.client.auth.createCredential({
          body: {
            challengeIdentifier: 'x',
            credentialName: 'planted',
            ...(await signer.create({ challenge: 'x' })),
          } as never,
        }),
        failsWith(403, /login session/),
      )
      const [credential] = (await user.client.auth.listCredentials()).items
      await assert.rejects(
        pat.client.auth.deactivateCredential({ body: { credentialUuid: credential!.credentialUuid } }),
        failsWith(403, /login session/),
      )
      assert.equal((await user.client.auth.listCredentials()).items.length, 1)
    })

    it('a service account token cannot add credentials either', async () => {
      const sa = await w.newServiceAccount()
      await assert.rejects(
        sa.client.auth.createCredentialChallenge({ body: { kind: 'Key' } }),
        failsWith(403, /login session/),
      )
    })

    it('a PAT cannot mint or revive PATs, so revoking it leaves nothing behind', async () => {
      const user = await w.newUser()
      await w.grant([user.userId], ['Auth:Pats:Create'])
      const pat = await w.newPat({ by: user.client })
      await assert.rejects(
        pat.client.auth.createPersonalAccessToken({ body: { name: 'child', publicKey: newKey().publicKey } }),
        failsWith(403, /personal access token/),
      )
      const sibling = await w.newPat({ by: user.client })
      await user.client.auth.deactivatePersonalAccessToken({ tokenId: sibling.tokenId })
      await assert.rejects(
        pat.client.auth.activatePersonalAccessToken({ tokenId: sibling.tokenId }),
        failsWith(403),
      )
      await user.client.auth.archivePersonalAccessToken({ tokenId: pat.tokenId })
      await assert.rejects(pat.client.auth.listPersonalAccessTokens(), failsWith(401))
      const left = await user.client.auth.listPersonalAccessTokens()
      assert.deepEqual(
        left.items.map((t) => [t.tokenId, t.isActive]),
        [[sibling.tokenId, false]],
      )
    })
  })

  describe('a caller keeps what it is and how it authenticated', () => {
    it("an end user's PAT sees only the wallets delegated to that end user", async () => {
      const endUser = await w.newEndUser()
      await w.grant([endUser.userId], ['Auth:Pats:Create'])
      const mine = await w.root.wallets.createWallet({
        body: { network: 'Base', delegateTo: endUser.userId },
      })
      const orgs = await w.root.wallets.createWallet({ body: { network: 'Base' } })
      const pat = await w.newPat({ by: endUser.client })
      assert.deepEqual(
        (await pat.client.wallets.listWallets({})).items.map((x) => x.id),
        [mine.id],
      )
      await assert.rejects(pat.client.wallets.getWallet({ walletId: orgs.id }), failsWith(404))
      await assert.rejects(
        pat.client.wallets.generateSignature({
          walletId: orgs.id,
          body: { kind: 'Message', message: '0x1234' },
        }),
        (err: unknown) => err instanceof DfnsError && [403, 404].includes(err.httpStatus),
      )
    })

    it("a service account's PAT cannot approve when serviceAccountsCanApprove is false", async () => {
      const sa = await w.newServiceAccount({
        permissionId: (
          await permissionNamed('sa-approver', [
            'Auth:Pats:Create',
            'Policies:Approvals:Read',
            'Policies:Approvals:Approve',
          ])
        ).id,
      })
      const target = await permissionNamed('watched', ['Wallets:Read'])
      await w.root.policies.createPolicy({
        body: {
          name: 'watched changes',
          activityKind: 'Permissions:Modify',
          rule: { kind: 'AlwaysTrigger' },
          action: {
            kind: 'RequestApproval',
            approvalGroups: [{ quorum: 1, approvers: { userId: { in: [sa.userId] } } }],
          },
          filters: { permissionId: { in: [target.id] } },
        },
      })
      const { approvalId } = await pendingBody<{ approvalId: string }>(
        w.root.permissions.updatePermission({ permissionId: target.id, body: { name: 'watched-2' } }),
      )
      const pat = await w.newPat({ by: sa.client })
      for (const client of [sa.client, pat.client] as DfnsApiClient[]) {
        await assert.rejects(
          client.policies.createApprovalDecision({ approvalId, body: { value: 'Approved' } }),
          failsWith(403, /not an approver/),
        )
      }
      assert.equal((await w.root.permissions.getPermission({ permissionId: target.id })).name, 'watched')
    })
  })

  it('GET /auth/action/logs with a time past what a date holds is a 400 naming the field', async () => {
    for (const field of ['startTime', 'endTime']) {
      const response = await rawRequest(w.baseUrl, {
        method: 'GET',
        path: `/auth/action/logs?${field}=99999999999999999`,
        token: w.bootstrap.serviceAccount.accessToken,
      })
      assertErrorBody(response, 400, new RegExp(field))
      assert.equal(response.body.error.details.field, field)
    }
  })
})
