import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import {
  keccak256,
  parseEther,
  parseTransaction,
  recoverTransactionAddress,
  serializeTransaction,
  toHex,
} from 'viem'
import { testDialect } from '../../helpers/database.ts'
import { startWalletd, type Walletd } from '../../helpers/sdk.ts'

/**
 * Amount and whitelist rules on signature requests read what an EVM transaction moves: a native
 * transfer under the limit is signed at once, one over it waits for approval; a recipient on the
 * whitelist passes, another one or an unknowable one (a Hash) is blocked.
 */
describe(`policy rules see what an EVM transaction moves (${testDialect})`, () => {
  let w: Walletd
  const friend = '0x1111111111111111111111111111111111111111'
  const stranger = '0x2222222222222222222222222222222222222222'
  before(async () => {
    w = await startWalletd({ config: { prices: 'ETH=2000' } })
  })
  after(() => w.close())

  const unsignedTransfer = (to: string, value: bigint) =>
    serializeTransaction({
      type: 'eip1559',
      chainId: 11155111,
      nonce: 0,
      to: to as `0x${string}`,
      value,
      gas: 21_000n,
      maxFeePerGas: 2_000_000_000n,
      maxPriorityFeePerGas: 1_000_000_000n,
    })

  it('TransactionAmountLimit: 0.01 ETH ($20) is signed, 1 ETH ($2000) waits for approval', async () => {
    const wallet = await w.root.wallets.createWallet({ body: { network: 'EthereumSepolia' } })
    const approver = await w.newUser()
    await w.root.policies.createPolicy({
      body: {
        name: `limit ${wallet.id}`,
        activityKind: 'Wallets:Sign',
        rule: { kind: 'TransactionAmountLimit', configuration: { limit: 100, currency: 'USD' } },
        action: {
          kind: 'RequestApproval',
          autoRejectTimeout: 60,
          approvalGroups: [{ quorum: 1, approvers: { userId: { in: [approver.userId] } } }],
        },
        filters: { walletId: { in: [wallet.id] } },
      },
    })
    const small = await w.root.wallets.generateSignature({
      walletId: wallet.id,
      body: { kind: 'Transaction', transaction: unsignedTransfer(friend, parseEther('0.01')) },
    })
    assert.equal(small.status, 'Signed')
    const signer = await recoverTransactionAddress({
      serializedTransaction: small.signedData as `0x02${string}`,
    })
    assert.equal(signer.toLowerCase(), wallet.address!.toLowerCase())
    assert.equal(parseTransaction(small.signedData as `0x${string}`).value, parseEther('0.01'))

    const large = await w.root.wallets.generateSignature({
      walletId: wallet.id,
      body: { kind: 'Transaction', transaction: unsignedTransfer(friend, parseEther('1')) },
    })
    assert.equal(large.status, 'Pending')
    const approval = await w.root.policies.getApproval({ approvalId: large.approvalId! })
    assert.match(approval.policyEvaluations[0]!.reason ?? '', /2000|limit/)
  })

  it('TransactionRecipientWhitelist: a listed recipient passes; another, or none (Hash), is blocked', async () => {
    const wallet = await w.root.wallets.createWallet({ body: { network: 'EthereumSepolia' } })
    await w.root.policies.createPolicy({
      body: {
        name: `whitelist ${wallet.id}`,
        activityKind: 'Wallets:Sign',
        rule: { kind: 'TransactionRecipientWhitelist', configuration: { addresses: [friend] } },
        action: { kind: 'Block' },
        filters: { walletId: { in: [wallet.id] } },
      },
    })
    const toFriend = await w.root.wallets.generateSignature({
      walletId: wallet.id,
      body: {
        kind: 'Transaction',
        transaction: unsignedTransfer(friend.toUpperCase().replace('0X', '0x'), 1n),
      },
    })
    assert.equal(toFriend.status, 'Signed')
    const toStranger = await w.root.wallets.generateSignature({
      walletId: wallet.id,
      body: { kind: 'Transaction', transaction: unsignedTransfer(stranger, 1n) },
    })
    assert.equal(toStranger.status, 'Rejected')
    assert.match(toStranger.reason ?? '', /not whitelisted/)
    const hash = await w.root.wallets.generateSignature({
      walletId: wallet.id,
      body: { kind: 'Hash', hash: keccak256(toHex('no recipient here')) },
    })
    assert.equal(hash.status, 'Rejected')
    assert.match(hash.reason ?? '', /could not be inferred/)
  })
})
