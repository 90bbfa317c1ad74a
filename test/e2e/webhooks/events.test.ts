import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { DfnsApiClient } from '@dfns/sdk'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { sql } from 'kysely'
import { keccak256, toHex } from 'viem'
import { testDialect } from '../../helpers/database.ts'
import { approvalGuard, decide, newApprover, walletGuard } from '../../helpers/policies.ts'
import { KeyCredentialSigner, newKey, startWalletd, type Walletd } from '../../helpers/sdk.ts'
import { type ReceivedWebhook, startReceiver, type WebhookReceiver } from '../../helpers/webhook-receiver.ts'

/**
 * Every event kind walletd causes today arrives at a subscribed receiver when its cause happens,
 * signed, with the documented `data` (the resource as the API returns it at that moment).
 */
describe(`webhook events from their causes (${testDialect})`, () => {
  let w: Walletd
  let receiver: WebhookReceiver
  let endUserId: string
  let approver: Awaited<ReturnType<Walletd['newUser']>>

  before(async () => {
    w = await startWalletd({ deps: { runJobs: false } })
    receiver = await startReceiver()
    const hook = await w.root.webhooks.createWebhook({ body: { url: receiver.url, events: ['*'] } })
    receiver.secret = hook.secret
    const challenge = await w.root.auth.createDelegatedRegistrationChallenge({
      body: { email: 'owner@example.com', kind: 'EndUser' },
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
    endUserId = registered.user.id
    approver = await newApprover(w)
  })
  after(async () => {
    await receiver.close()
    await w.close()
  })

  /** Runs the deliveries due now and returns what arrived since the last call. */
  let seen = 0
  async function arrived(): Promise<ReceivedWebhook[]> {
    await w.app.walletd.jobs.runDueJobs()
    const fresh = receiver.received.slice(seen)
    seen = receiver.received.length
    for (const r of fresh) {
      assert.equal(r.signatureValid, true, `signature of ${r.body.kind}`)
      assert.equal(r.body.deliveryAttempt, 1)
    }
    return fresh
  }
  const kinds = (events: ReceivedWebhook[]) => events.map((e) => e.body.kind).sort()
  const one = (events: ReceivedWebhook[], kind: string) => {
    const found = events.filter((e) => e.body.kind === kind)
    assert.equal(found.length, 1, `one ${kind} in ${kinds(events)}`)
    return found[0]!.body.data
  }

  it('wallet.created and key.created when a wallet is created', async () => {
    await arrived()
    const wallet = await w.root.wallets.createWallet({ body: { network: 'EthereumSepolia', name: 'w1' } })
    const events = await arrived()
    assert.deepEqual(kinds(events), ['key.created', 'wallet.created'])
    assert.deepEqual(one(events, 'wallet.created'), { wallet })
    assert.deepEqual(one(events, 'key.created'), {
      key: await w.root.keys
        .getKey({ keyId: wallet.signingKey.id })
        .then(({ wallets: _w, store: _s, ...k }) => k),
    })
  })

  it('wallet.tags.modified when tags are added or removed (not when nothing changes)', async () => {
    const wallet = await w.root.wallets.createWallet({ body: { network: 'EthereumSepolia' } })
    await arrived()
    await w.root.wallets.tagWallet({ walletId: wallet.id, body: { tags: ['hot'] } })
    let events = await arrived()
    assert.deepEqual(kinds(events), ['wallet.tags.modified'])
    assert.deepEqual(one(events, 'wallet.tags.modified').wallet.tags, ['hot'])
    await w.root.wallets.tagWallet({ walletId: wallet.id, body: { tags: ['hot'] } })
    assert.deepEqual(await arrived(), [])
    await w.root.wallets.untagWallet({ walletId: wallet.id, body: { tags: ['hot'] } })
    events = await arrived()
    assert.deepEqual(one(events, 'wallet.tags.modified'), {
      wallet: await w.root.wallets.getWallet({ walletId: wallet.id }),
    })
  })

  it('wallet.delegated and key.delegated when a wallet is delegated to an end user', async () => {
    const wallet = await w.root.wallets.createWallet({ body: { network: 'Base', delayDelegation: true } })
    await arrived()
    await w.root.wallets.delegateWallet({ walletId: wallet.id, body: { userId: endUserId } })
    const events = await arrived()
    assert.deepEqual(kinds(events), ['key.delegated', 'wallet.delegated'])
    assert.deepEqual(one(events, 'wallet.delegated'), {
      wallet: await w.root.wallets.getWallet({ walletId: wallet.id }),
    })
    assert.equal(one(events, 'wallet.delegated').wallet.custodial, false)
    assert.equal(one(events, 'key.delegated').key.id, wallet.signingKey.id)
    assert.equal(one(events, 'key.delegated').key.custodial, false)
  })

  it('wallet.exported and key.exported when a wallet key is exported', async () => {
    await w.app.walletd.plans.change(w.orgId, { enable: ['walletExport'] })
    const wallet = await w.root.wallets.createWallet({ body: { network: 'EthereumSepolia' } })
    await arrived()
    const encryptionKey = Buffer.from(
      secp256k1.getPublicKey(secp256k1.utils.randomSecretKey(), true),
    ).toString('hex')
    await w.root.wallets.exportWallet({
      walletId: wallet.id,
      body: { encryptionKey, supportedSchemes: [{ protocol: 'CGGMP24', curve: 'secp256k1' }] },
    })
    const events = await arrived()
    assert.deepEqual(kinds(events), ['key.exported', 'wallet.exported'])
    assert.equal(one(events, 'wallet.exported').wallet.id, wallet.id)
    assert.equal(one(events, 'key.exported').key.exported, true)
    assert.ok(!JSON.stringify(events.map((e) => e.body)).includes('encryptedKeyShare'), 'no key material')
  })

  it('key.deleted when a key is deleted', async () => {
    const key = await w.root.keys.createKey({ body: { scheme: 'EdDSA', curve: 'ed25519' } })
    assert.deepEqual(kinds(await arrived()), ['key.created'])
    await w.root.keys.deleteKey({ keyId: key.id })
    const events = await arrived()
    assert.deepEqual(kinds(events), ['key.deleted'])
    assert.equal(one(events, 'key.deleted').key.id, key.id)
    assert.equal(one(events, 'key.deleted').key.status, 'Archived')
  })

  it('wallet.signature.requested and signed for a signature request', async () => {
    const wallet = await w.root.wallets.createWallet({ body: { network: 'EthereumSepolia' } })
    await arrived()
    const signature = await w.root.wallets.generateSignature({
      walletId: wallet.id,
      body: { kind: 'Hash', hash: keccak256(toHex('hello')) },
    })
    const events = await arrived()
    assert.deepEqual(kinds(events), ['wallet.signature.requested', 'wallet.signature.signed'])
    assert.equal(one(events, 'wallet.signature.requested').signatureRequest.id, signature.id)
    assert.deepEqual(one(events, 'wallet.signature.signed'), { signatureRequest: signature })
  })

  const guard = (walletId: string, action: Record<string, unknown>) => walletGuard(w.root, walletId, action)

  it('policy.triggered and wallet.signature.rejected when a Block policy rejects a request', async () => {
    const wallet = await w.root.wallets.createWallet({ body: { network: 'Base' } })
    const policy = await guard(wallet.id, { kind: 'Block' })
    await arrived()
    const rejected = await w.root.wallets.generateSignature({
      walletId: wallet.id,
      body: { kind: 'Hash', hash: keccak256('0x02') },
    })
    const events = await arrived()
    assert.deepEqual(kinds(events), [
      'policy.triggered',
      'wallet.signature.rejected',
      'wallet.signature.requested',
    ])
    assert.deepEqual(one(events, 'wallet.signature.rejected'), { signatureRequest: rejected })
    const evaluation = one(events, 'policy.triggered').policyEvaluation
    assert.match(evaluation.id, /^plce-/)
    assert.equal(evaluation.triggered, true)
    assert.deepEqual(evaluation.policy, policy)
    assert.deepEqual(evaluation.activity, { kind: 'Wallets:Sign', id: rejected.id })
  })

  it('policy.approval.pending, then policy.approval.resolved and wallet.signature.signed once approved', async () => {
    const wallet = await w.root.wallets.createWallet({ body: { network: 'Base' } })
    await approvalGuard(w.root, wallet.id, approver.userId)
    await arrived()
    const pending = await w.root.wallets.generateSignature({
      walletId: wallet.id,
      body: { kind: 'Hash', hash: keccak256('0x03') },
    })
    let events = await arrived()
    assert.deepEqual(kinds(events), [
      'policy.approval.pending',
      'policy.triggered',
      'wallet.signature.requested',
    ])
    assert.deepEqual(one(events, 'policy.approval.pending'), {
      approval: await w.root.policies.getApproval({ approvalId: pending.approvalId! }),
    })
    await decide(approver, pending.approvalId!, 'Approved')
    events = await arrived()
    assert.deepEqual(kinds(events), ['policy.approval.resolved', 'wallet.signature.signed'])
    const resolved = one(events, 'policy.approval.resolved')
    assert.deepEqual(
      resolved.approval,
      await w.root.policies.getApproval({ approvalId: pending.approvalId! }),
    )
    assert.equal(resolved.status, 'Approved')
    assert.equal(one(events, 'wallet.signature.signed').signatureRequest.status, 'Signed')
  })

  it('a policy change that rolls back emits nothing; the same change emits once it commits', async () => {
    const wallet = await w.root.wallets.createWallet({ body: { network: 'Base' } })
    await approvalGuard(w.root, wallet.id, approver.userId)
    await arrived()
    // The database refuses the approval's `policy.approval.pending` row: the transaction that opens
    // the approval (and wrote its `policy.triggered` row just before) fails as a whole.
    const { db } = w.database
    if (testDialect === 'postgres') {
      await sql`create function refuse_pending_event() returns trigger language plpgsql as $$
        begin raise exception 'pending events refused'; end $$`.execute(db)
      await sql`create trigger refuse_pending before insert on webhook_events for each row
        when (new.kind = 'policy.approval.pending') execute function refuse_pending_event()`.execute(db)
    } else {
      await sql`create trigger refuse_pending before insert on webhook_events
        when new.kind = 'policy.approval.pending' begin select raise(abort, 'pending events refused'); end`.execute(
        db,
      )
    }
    try {
      await assert.rejects(
        w.root.wallets.generateSignature({
          walletId: wallet.id,
          body: { kind: 'Hash', hash: keccak256('0x05') },
        }),
        (err: { httpStatus?: number }) => err.httpStatus === 500,
      )
    } finally {
      await sql`drop trigger refuse_pending${sql.raw(testDialect === 'postgres' ? ' on webhook_events' : '')}`.execute(
        db,
      )
    }
    let events = await arrived()
    assert.deepEqual(kinds(events), ['wallet.signature.failed', 'wallet.signature.requested'])
    const approvals = await w.root.policies.listApprovals({ query: { status: 'Pending' } })
    assert.equal(
      approvals.items.filter(
        (a) => a.activity.kind === 'Wallets:Sign' && JSON.stringify(a).includes(wallet.id),
      ).length,
      0,
    )

    const pending = await w.root.wallets.generateSignature({
      walletId: wallet.id,
      body: { kind: 'Hash', hash: keccak256('0x05') },
    })
    events = await arrived()
    assert.deepEqual(kinds(events), [
      'policy.approval.pending',
      'policy.triggered',
      'wallet.signature.requested',
    ])
    assert.equal(one(events, 'policy.approval.pending').approval.id, pending.approvalId)
    assert.equal(one(events, 'policy.triggered').policyEvaluation.approvalId, pending.approvalId)
  })

  it('wallet.signature.failed when the key of a pending request is deleted before approval', async () => {
    const wallet = await w.root.wallets.createWallet({ body: { network: 'Base' } })
    await approvalGuard(w.root, wallet.id, approver.userId)
    const pending = await w.root.wallets.generateSignature({
      walletId: wallet.id,
      body: { kind: 'Hash', hash: keccak256('0x04') },
    })
    await w.root.keys.deleteKey({ keyId: wallet.signingKey.id })
    await arrived()
    await decide(approver, pending.approvalId!, 'Approved')
    const events = await arrived()
    assert.deepEqual(kinds(events), ['policy.approval.resolved', 'wallet.signature.failed'])
    assert.equal(one(events, 'wallet.signature.failed').signatureRequest.id, pending.id)
    assert.equal(one(events, 'wallet.signature.failed').signatureRequest.status, 'Failed')
  })
})
