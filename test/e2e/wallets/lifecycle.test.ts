import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { DfnsApiClient } from '@dfns/sdk'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { keccak256, toHex } from 'viem'
import { testDialect } from '../../helpers/database.ts'
import { failsWith } from '../../helpers/fails-with.ts'
import { approvalGuard, decide, newApprover, walletGuard } from '../../helpers/policies.ts'
import { KeyCredentialSigner, newKey, startWalletd, type Walletd } from '../../helpers/sdk.ts'

const bytes = (hex: string) => Uint8Array.from(Buffer.from(hex.replace(/^0x/, ''), 'hex'))

/** Keys, delegation to end users, body-dependent permissions and policy-governed signatures. */
describe(`keys, delegation, permissions and policies on signatures (${testDialect})`, () => {
  let w: Walletd
  let endUser: { id: string; username: string; client: DfnsApiClient }
  before(async () => {
    w = await startWalletd()
    const email = 'owner@example.com'
    const challenge = await w.root.auth.createDelegatedRegistrationChallenge({
      body: { email, kind: 'EndUser' },
    })
    const signer = new KeyCredentialSigner(newKey('p256'))
    const withTemp = new DfnsApiClient({
      baseUrl: w.baseUrl,
      orgId: w.orgId,
      authToken: challenge.temporaryAuthenticationToken,
    })
    const registered = await withTemp.auth.registerEndUser({
      body: { firstFactorCredential: await signer.create(challenge), wallets: [] },
    })
    endUser = {
      id: registered.user.id,
      username: email,
      client: new DfnsApiClient({
        baseUrl: w.baseUrl,
        orgId: w.orgId,
        authToken: registered.authentication.token,
        signer,
      }),
    }
  })
  after(() => w.close())

  describe('keys', () => {
    it('create, get (wallets and store), list, rename, delete', async () => {
      const key = await w.root.keys.createKey({ body: { scheme: 'EdDSA', curve: 'ed25519', name: 'k1' } })
      assert.match(key.id, /^key-/)
      assert.deepEqual(
        {
          status: key.status,
          custodial: key.custodial,
          name: key.name,
          imported: key.imported,
          exported: key.exported,
        },
        { status: 'Active', custodial: true, name: 'k1', imported: false, exported: false },
      )
      assert.match(key.publicKey, /^[0-9a-f]{64}$/)
      const got = await w.root.keys.getKey({ keyId: key.id })
      assert.deepEqual(got.wallets, [])
      assert.deepEqual(got.store, { id: 'walletd-software-store', kind: 'Mpc', keyId: key.id })
      const wallet = await w.root.wallets.createWallet({
        body: { network: 'Solana', signingKey: { id: key.id } },
      })
      assert.deepEqual((await w.root.keys.getKey({ keyId: key.id })).wallets, [
        { id: wallet.id, network: 'Solana' },
      ])

      assert.equal((await w.root.keys.updateKey({ keyId: key.id, body: { name: 'k2' } })).name, 'k2')
      assert.equal('name' in (await w.root.keys.updateKey({ keyId: key.id, body: { name: null } })), false)
      assert.ok((await w.root.keys.listKeys({})).items.some((k) => k.id === key.id))

      const deleted = await w.root.keys.deleteKey({ keyId: key.id })
      assert.equal(deleted.status, 'Archived')
      assert.ok(deleted.dateDeleted)
      await assert.rejects(w.root.keys.updateKey({ keyId: key.id, body: { name: 'x' } }), failsWith(410))
      // A deleted key cannot back a new wallet either.
      await assert.rejects(
        w.root.wallets.createWallet({ body: { network: 'Solana', signingKey: { id: key.id } } }),
        failsWith(410),
      )
    })

    it('refuses what walletd does not do: HD derivation and stark keys', async () => {
      await assert.rejects(
        w.root.keys.createKey({ body: { scheme: 'ECDSA', curve: 'secp256k1', masterKey: true } }),
        failsWith(501),
      )
      await assert.rejects(
        w.root.keys.createKey({ body: { scheme: 'ECDSA', curve: 'stark' } }),
        failsWith(501),
      )
    })
  })

  describe('delegation', () => {
    it('a wallet created for an end user is non-custodial and listed under its owner', async () => {
      const wallet = await w.root.wallets.createWallet({ body: { network: 'Base', delegateTo: endUser.id } })
      assert.equal(wallet.custodial, false)
      assert.equal(wallet.signingKey.delegatedTo, endUser.id)
      for (const owner of [endUser.id, endUser.username]) {
        const listed = await w.root.wallets.listWallets({ query: { owner } })
        assert.deepEqual(
          listed.items.map((x) => x.id),
          [wallet.id],
        )
      }
      assert.deepEqual(
        (await w.root.wallets.listWallets({ query: { owner: 'nobody@example.com' } })).items,
        [],
      )
      assert.deepEqual(
        (await w.root.keys.listKeys({ query: { owner: endUser.id } })).items.map((k) => k.id),
        [wallet.signingKey.id],
      )
    })

    it('delayDelegation: delegate once (irreversible), 412 otherwise', async () => {
      const delayed = await w.root.wallets.createWallet({ body: { network: 'Base', delayDelegation: true } })
      assert.equal(delayed.custodial, true)
      assert.deepEqual(
        await w.root.wallets.delegateWallet({ walletId: delayed.id, body: { userId: endUser.id } }),
        {
          walletId: delayed.id,
          status: 'Delegated',
        },
      )
      const after = await w.root.wallets.getWallet({ walletId: delayed.id })
      assert.deepEqual([after.custodial, after.signingKey.delegatedTo], [false, endUser.id])
      await assert.rejects(
        w.root.wallets.delegateWallet({ walletId: delayed.id, body: { userId: endUser.id } }),
        failsWith(412),
      )
      const ordinary = await w.root.wallets.createWallet({ body: { network: 'Base' } })
      await assert.rejects(
        w.root.wallets.delegateWallet({ walletId: ordinary.id, body: { userId: endUser.id } }),
        failsWith(412, /delayDelegation/),
      )
      const key = await w.root.keys.createKey({
        body: { scheme: 'ECDSA', curve: 'secp256k1', delayDelegation: true },
      })
      assert.deepEqual(await w.root.keys.delegateKey({ keyId: key.id, body: { delegateTo: endUser.id } }), {
        keyId: key.id,
        status: 'Delegated',
      })
    })

    it('an end user sees and signs with only their wallets; the org cannot sign with them', async () => {
      const theirs = await w.root.wallets.createWallet({ body: { network: 'Base', delegateTo: endUser.id } })
      const ours = await w.root.wallets.createWallet({ body: { network: 'Base' } })
      const hash = keccak256('0x0e')
      const signed = await endUser.client.wallets.generateSignature({
        walletId: theirs.id,
        body: { kind: 'Hash', hash },
      })
      assert.equal(signed.requester.userId, endUser.id)
      const compact = Uint8Array.from([...bytes(signed.signature!.r), ...bytes(signed.signature!.s)])
      assert.ok(
        secp256k1.verify(compact, bytes(hash), bytes(theirs.signingKey.publicKey), { prehash: false }),
      )
      await assert.rejects(
        w.root.wallets.generateSignature({ walletId: theirs.id, body: { kind: 'Hash', hash } }),
        failsWith(403, /delegated to an end user/),
      )
      await assert.rejects(endUser.client.wallets.getWallet({ walletId: ours.id }), failsWith(404))
      const listed = await endUser.client.wallets.listWallets({})
      assert.ok(listed.items.length > 0)
      assert.ok(listed.items.every((x) => x.signingKey.delegatedTo === endUser.id))
      // The org still reads the delegated wallet.
      assert.equal((await w.root.wallets.getWallet({ walletId: theirs.id })).custodial, false)
    })

    it('a wallet an end user creates is delegated to them', async () => {
      const permission = await w.root.permissions.createPermission({
        body: { name: 'end user wallets', operations: ['Wallets:Create'] },
      })
      await w.root.permissions.createAssignment({
        permissionId: permission.id,
        body: { identityId: endUser.id },
      })
      const own = await endUser.client.wallets.createWallet({ body: { network: 'Base' } })
      assert.deepEqual([own.custodial, own.signingKey.delegatedTo], [false, endUser.id])
      assert.equal((await endUser.client.wallets.getWallet({ walletId: own.id })).id, own.id)
    })

    it('only to an end user of the org', async () => {
      const employee = w.bootstrap.serviceAccount.userId
      await assert.rejects(
        w.root.wallets.createWallet({ body: { network: 'Base', delegateTo: employee } }),
        failsWith(400, 'delegateTo'),
      )
      await assert.rejects(
        w.root.wallets.createWallet({
          body: { network: 'Base', delegateTo: 'us-00000-00000-0000000000000000' },
        }),
        failsWith(404),
      )
    })
  })

  describe('operations a body adds', () => {
    it('tags need Wallets:Tags:Add and signingKey.id needs Keys:Reuse', async () => {
      const permission = await w.root.permissions.createPermission({
        body: { name: 'wallet makers', operations: ['Wallets:Create', 'Wallets:Read'] },
      })
      const sa = await w.newServiceAccount({ permissionId: permission.id })
      const plain = await sa.client.wallets.createWallet({ body: { network: 'Base' } })
      assert.equal(plain.network, 'Base')
      const denied = (operation: string) =>
        failsWith(403, (e) =>
          assert.equal(
            e.message,
            `ServiceAccount ${sa.userId} is not authorized to perform operation (${operation})`,
          ),
        )
      await assert.rejects(
        sa.client.wallets.createWallet({ body: { network: 'Base', tags: ['x'] } }),
        denied('Wallets:Tags:Add'),
      )
      await assert.rejects(
        sa.client.wallets.createWallet({
          body: { network: 'Polygon', signingKey: { id: plain.signingKey.id } },
        }),
        denied('Keys:Reuse'),
      )
    })
  })

  describe('policies on signature requests', () => {
    let approver: Awaited<ReturnType<Walletd['newUser']>>
    before(async () => {
      approver = await newApprover(w)
    })

    const guard = (walletId: string, action: Record<string, unknown>) => walletGuard(w.root, walletId, action)

    it('Pending with approvalId, signed once approved; the signature verifies', async () => {
      const wallet = await w.root.wallets.createWallet({ body: { network: 'Base' } })
      await approvalGuard(w.root, wallet.id, approver.userId)
      const hash = keccak256(toHex('needs approval'))
      const pending = await w.root.wallets.generateSignature({
        walletId: wallet.id,
        body: { kind: 'Hash', hash },
      })
      assert.equal(pending.status, 'Pending')
      assert.match(pending.approvalId!, /^ap-/)
      assert.equal(pending.signature, undefined)
      await decide(approver, pending.approvalId!, 'Approved')
      const signed = await w.root.wallets.getSignature({ walletId: wallet.id, signatureId: pending.id })
      assert.equal(signed.status, 'Signed')
      assert.ok(signed.datePolicyResolved)
      const { r, s } = signed.signature!
      const compact = Uint8Array.from([...bytes(r), ...bytes(s)])
      assert.ok(
        secp256k1.verify(compact, bytes(hash), bytes(wallet.signingKey.publicKey), { prehash: false }),
      )
    })

    it('Rejected when the approvers deny it, and Rejected by a Block policy', async () => {
      const wallet = await w.root.wallets.createWallet({ body: { network: 'Base' } })
      await approvalGuard(w.root, wallet.id, approver.userId)
      const pending = await w.root.wallets.generateSignature({
        walletId: wallet.id,
        body: { kind: 'Hash', hash: keccak256('0x01') },
      })
      await decide(approver, pending.approvalId!, 'Denied')
      const denied = await w.root.wallets.getSignature({ walletId: wallet.id, signatureId: pending.id })
      assert.deepEqual([denied.status, denied.signature], ['Rejected', undefined])

      const blocked = await w.root.wallets.createWallet({ body: { network: 'Base' } })
      await guard(blocked.id, { kind: 'Block' })
      const rejected = await w.root.wallets.generateSignature({
        walletId: blocked.id,
        body: { kind: 'Hash', hash: keccak256('0x02') },
      })
      assert.equal(rejected.status, 'Rejected')
      assert.ok(rejected.reason)
      assert.equal(rejected.signature, undefined)
    })
  })
})
