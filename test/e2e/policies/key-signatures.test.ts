import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { DfnsApiClient } from '@dfns/sdk'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { keccak256, parseEther, recoverTransactionAddress, toHex } from 'viem'
import { testDialect } from '../../helpers/database.ts'
import { unsignedSepoliaTransfer } from '../../helpers/evm.ts'
import { startWalletd, type TestUser, type Walletd } from '../../helpers/sdk.ts'

type PolicyBody = Parameters<DfnsApiClient['policies']['createPolicy']>[0]['body']
type Wallet = Awaited<ReturnType<DfnsApiClient['wallets']['createWallet']>>

const bytes = (hex: string) => Uint8Array.from(Buffer.from(hex.replace(/^0x/, ''), 'hex'))

/**
 * `Wallets:Sign` policies govern a signature whichever route asks for it: the wallet's
 * (`POST /wallets/:id/signatures`) or the key's (`POST /keys/:id/signatures`). A key signature is
 * governed as a signature of every wallet on the key: a filtered policy applies when any of them
 * matches, and velocity windows count both routes together.
 */
describe(`Wallets:Sign policies govern key signatures too (${testDialect})`, () => {
  let w: Walletd
  let approver: TestUser
  before(async () => {
    w = await startWalletd({ config: { prices: 'ETH=2000' } })
    approver = await w.newUser()
    await w.grant([approver.userId], ['Policies:Approvals:Approve', 'Policies:Approvals:Read'])
  })
  after(() => w.close())

  const policy = async (body: Omit<PolicyBody, 'activityKind'>) =>
    w.root.policies.createPolicy({ body: { activityKind: 'Wallets:Sign', ...body } as PolicyBody })
  const approval = {
    kind: 'RequestApproval' as const,
    autoRejectTimeout: 60,
    approvalGroups: [{ quorum: 1, approvers: { userId: { in: [] as string[] } } }],
  }
  const requestApproval = () => ({
    ...approval,
    approvalGroups: [{ quorum: 1, approvers: { userId: { in: [approver.userId] } } }],
  })
  const viaWallet = (wallet: Wallet, body: Record<string, unknown>) =>
    w.root.wallets.generateSignature({ walletId: wallet.id, body: body as never })
  const viaKey = (keyId: string, body: Record<string, unknown>) =>
    w.root.keys.generateSignature({ keyId, body: body as never })
  const hashBody = (label: string) => ({ kind: 'Hash', hash: keccak256(toHex(label)) })

  it('an unfiltered Block policy rejects on both routes, with the blocking policy as reason', async () => {
    const wallet = await w.root.wallets.createWallet({ body: { network: 'EthereumSepolia' } })
    const block = await policy({
      name: 'block all',
      rule: { kind: 'AlwaysTrigger' },
      action: { kind: 'Block' },
    })
    try {
      for (const request of [
        await viaWallet(wallet, hashBody('wallet route')),
        await viaKey(wallet.signingKey.id, hashBody('key route')),
      ]) {
        assert.equal(request.status, 'Rejected')
        assert.match(request.reason ?? '', new RegExp(`Blocked by policy ${block.id}`))
        assert.equal(request.signature, undefined)
      }
      // A bare key (no wallet at all) is governed by the unfiltered policy as well.
      const bare = await w.root.keys.createKey({ body: { scheme: 'ECDSA', curve: 'secp256k1' } })
      assert.equal((await viaKey(bare.id, hashBody('bare key'))).status, 'Rejected')
    } finally {
      await w.root.policies.archivePolicy({ policyId: block.id })
    }
  })

  it('RequestApproval on the key route: Pending with approvalId; approved, it is signed and verifies', async () => {
    const wallet = await w.root.wallets.createWallet({ body: { network: 'EthereumSepolia' } })
    await policy({
      name: `approve ${wallet.id}`,
      rule: { kind: 'AlwaysTrigger' },
      action: requestApproval(),
      filters: { walletId: { in: [wallet.id] } },
    })
    const keyId = wallet.signingKey.id
    for (const route of ['key', 'wallet'] as const) {
      const body = hashBody(`approve me via ${route}`)
      const pending = route === 'key' ? await viaKey(keyId, body) : await viaWallet(wallet, body)
      assert.equal(pending.status, 'Pending')
      assert.match(pending.approvalId ?? '', /^ap-/)
      const opened = await w.root.policies.getApproval({ approvalId: pending.approvalId! })
      const shown = (opened.activity as { signatureRequest?: { id: string; keyId: string } }).signatureRequest
      assert.equal(shown?.id, pending.id)
      assert.equal(shown?.keyId, keyId)
      await approver.client.policies.createApprovalDecision({
        approvalId: pending.approvalId!,
        body: { value: 'Approved' },
      })
      const signed =
        route === 'key'
          ? await w.root.keys.getSignature({ keyId, signatureId: pending.id })
          : await w.root.wallets.getSignature({ walletId: wallet.id, signatureId: pending.id })
      assert.equal(signed.status, 'Signed')
      const { r, s } = signed.signature!
      assert.ok(
        secp256k1.verify(
          Uint8Array.from([...bytes(r), ...bytes(s)]),
          bytes(body.hash),
          bytes(wallet.signingKey.publicKey),
          { prehash: false },
        ),
      )
    }
  })

  it('a denied key signature is Rejected and never signed', async () => {
    const wallet = await w.root.wallets.createWallet({ body: { network: 'EthereumSepolia' } })
    await policy({
      name: `deny ${wallet.id}`,
      rule: { kind: 'AlwaysTrigger' },
      action: requestApproval(),
      filters: { walletId: { in: [wallet.id] } },
    })
    const pending = await viaKey(wallet.signingKey.id, hashBody('deny me'))
    await approver.client.policies.createApprovalDecision({
      approvalId: pending.approvalId!,
      body: { value: 'Denied' },
    })
    const denied = await w.root.keys.getSignature({ keyId: wallet.signingKey.id, signatureId: pending.id })
    assert.equal(denied.status, 'Rejected')
    assert.equal(denied.signature, undefined)
  })

  it('filters: a key shared by two wallets matches a walletId or walletTags filter naming either; a bare key matches neither', async () => {
    const tag = `cold-${Date.now()}`
    const tagged = await w.root.wallets.createWallet({ body: { network: 'EthereumSepolia', tags: [tag] } })
    // A second wallet on the same key (Keys:Reuse), on another network, untagged.
    const sibling = await w.root.wallets.createWallet({
      body: { network: 'Base', signingKey: { id: tagged.signingKey.id } },
    })
    const bare = await w.root.keys.createKey({ body: { scheme: 'ECDSA', curve: 'secp256k1' } })
    const other = await w.root.wallets.createWallet({ body: { network: 'EthereumSepolia' } })
    const byTag = await policy({
      name: 'block tagged',
      rule: { kind: 'AlwaysTrigger' },
      action: { kind: 'Block' },
      filters: { walletTags: { hasAny: [tag] } },
    })
    const byId = await policy({
      name: 'block sibling',
      rule: { kind: 'AlwaysTrigger' },
      action: { kind: 'Block' },
      filters: { walletId: { in: [sibling.id] } },
    })
    try {
      const onShared = await viaKey(tagged.signingKey.id, hashBody('shared key'))
      assert.equal(onShared.status, 'Rejected')
      // Both policies apply (any wallet on the key matches); the first by id is named.
      assert.match(onShared.reason ?? '', new RegExp(`Blocked by policy (${byTag.id}|${byId.id})`))
      // The wallet route keeps per-wallet filters: the tagged wallet is blocked by the tag policy only.
      assert.match((await viaWallet(tagged, hashBody('tagged'))).reason ?? '', new RegExp(byTag.id))
      assert.match((await viaWallet(sibling, hashBody('sibling'))).reason ?? '', new RegExp(byId.id))
      // Neither filter names a wallet of these keys.
      assert.equal((await viaKey(bare.id, hashBody('bare'))).status, 'Signed')
      assert.equal((await viaKey(other.signingKey.id, hashBody('other'))).status, 'Signed')
      assert.equal((await viaWallet(other, hashBody('other wallet'))).status, 'Signed')
    } finally {
      await w.root.policies.archivePolicy({ policyId: byTag.id })
      await w.root.policies.archivePolicy({ policyId: byId.id })
    }
  })

  it('TransactionAmountLimit: 0.01 ETH is signed and 1 ETH waits for approval, on both routes', async () => {
    const wallet = await w.root.wallets.createWallet({ body: { network: 'EthereumSepolia' } })
    await policy({
      name: `limit ${wallet.id}`,
      rule: { kind: 'TransactionAmountLimit', configuration: { limit: 100, currency: 'USD' } },
      action: requestApproval(),
      filters: { walletId: { in: [wallet.id] } },
    })
    const keyBody = (value: bigint) => ({
      kind: 'Transaction',
      transaction: unsignedSepoliaTransfer(value),
      network: 'EthereumSepolia',
    })
    const small = [
      await viaWallet(wallet, {
        kind: 'Transaction',
        transaction: unsignedSepoliaTransfer(parseEther('0.01')),
      }),
      await viaKey(wallet.signingKey.id, keyBody(parseEther('0.01'))),
    ]
    for (const request of small) {
      assert.equal(request.status, 'Signed')
      const from = await recoverTransactionAddress({
        serializedTransaction: request.signedData as `0x02${string}`,
      })
      assert.equal(from.toLowerCase(), wallet.address!.toLowerCase())
    }
    const large = [
      await viaWallet(wallet, { kind: 'Transaction', transaction: unsignedSepoliaTransfer(parseEther('1')) }),
      await viaKey(wallet.signingKey.id, keyBody(parseEther('1'))),
    ]
    for (const request of large) {
      assert.equal(request.status, 'Pending')
      const opened = await w.root.policies.getApproval({ approvalId: request.approvalId! })
      assert.match(opened.policyEvaluations[0]!.reason ?? '', /2000/)
    }
    // An unpriceable key signature (a bare Hash) fails closed: the amount rule triggers.
    assert.equal((await viaKey(wallet.signingKey.id, hashBody('no amount'))).status, 'Pending')
  })

  it('TransactionAmountVelocity counts both routes in one window: switching routes does not escape it', async () => {
    for (const [first, second] of [
      ['wallet', 'key'],
      ['key', 'wallet'],
    ] as const) {
      const wallet = await w.root.wallets.createWallet({ body: { network: 'EthereumSepolia' } })
      await policy({
        name: `velocity ${wallet.id}`,
        rule: {
          kind: 'TransactionAmountVelocity',
          configuration: { limit: 3000, currency: 'USD', timeframe: 60 },
        },
        action: { kind: 'Block' },
        filters: { walletId: { in: [wallet.id] } },
      })
      const send = (route: 'wallet' | 'key', nonce: number) =>
        route === 'wallet'
          ? viaWallet(wallet, {
              kind: 'Transaction',
              transaction: unsignedSepoliaTransfer(parseEther('1'), { nonce }),
            })
          : viaKey(wallet.signingKey.id, {
              kind: 'Transaction',
              transaction: unsignedSepoliaTransfer(parseEther('1'), { nonce }),
              network: 'EthereumSepolia',
            })
      assert.equal((await send(first, 0)).status, 'Signed') // $2000 of $3000
      const over = await send(second, 1) // $4000 in the window
      assert.equal(over.status, 'Rejected', `${first} then ${second}`)
      assert.match(
        over.reason ?? '',
        /Cumulative transaction amount \(USD 4000\) is above limit \(USD 3000\)/,
      )
    }
  })
})
