import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import {
  encodeFunctionData,
  erc20Abi,
  type Hex,
  parseEther,
  parseTransaction,
  serializeTransaction,
} from 'viem'
import { testDialect } from '../../helpers/database.ts'
import { erc20Bytecode, mintAbi } from '../../helpers/evm-tokens.ts'
import { countLimitPolicy } from '../../helpers/policies.ts'
import { rootClientFrom } from '../../helpers/sdk.ts'
import { type ChainFixture, chainFixture, DEPLOYER, failsWith, newAddress } from './chain-fixture.ts'

describe(`transactions: walletd completes, signs, broadcasts and follows an EVM transaction (${testDialect})`, () => {
  let f: ChainFixture
  let token: Hex
  before(async () => {
    f = await chainFixture()
    token = (await f.sendAsDeployer({ data: erc20Bytecode })).contractAddress
  })
  after(() => f?.close())

  const broadcast = (walletId: string, body: Record<string, unknown>) =>
    f.w.root.wallets.broadcastTransaction({ walletId, body: body as never })
  const settledTx = (walletId: string, transactionId: string) =>
    f.settled(() => f.w.root.wallets.getTransaction({ walletId, transactionId }))
  const onChain = (hash: string | undefined) =>
    f.rpc.request<{ nonce: string; type: string; gas: string; maxFeePerGas?: string; gasPrice: string }>(
      'eth_getTransactionByHash',
      [hash],
    )

  it('Evm, Eip1559 and serialized Transaction kinds reach Confirmed; walletd fills nonce, gas and fees', async () => {
    const wallet = await f.fundedWallet()
    const to = newAddress()
    const evm = await broadcast(wallet.id, { kind: 'Evm', to, value: '1000' })
    assert.match(evm.id, /^tx-/)
    assert.deepEqual(evm.requestBody, { kind: 'Evm', to, value: '1000' })
    assert.equal('metadata' in evm, false)
    const evmDone = await settledTx(wallet.id, evm.id)
    assert.equal(evmDone.status, 'Confirmed', evmDone.reason)
    assert.ok(evmDone.fee && evmDone.dateBroadcasted && evmDone.dateConfirmed)
    assert.equal((evmDone.details as { nonce: number }).nonce, 0)

    const eip1559 = await broadcast(wallet.id, {
      kind: 'Eip1559',
      to,
      value: '0x10',
      maxFeePerGas: '30000000000',
      maxPriorityFeePerGas: '2000000000',
    })
    const eipDone = await settledTx(wallet.id, eip1559.id)
    assert.equal(eipDone.status, 'Confirmed', eipDone.reason)
    const eipTx = await onChain(eipDone.txHash)
    assert.equal(BigInt(eipTx.maxFeePerGas!), 30000000000n)
    assert.equal(Number(BigInt(eipTx.nonce)), 1)

    // A serialized transaction built without nonce, gas or fees (all encoded as zero).
    const unsigned = serializeTransaction({ type: 'eip1559', chainId: 11155111, to, value: 7n })
    const serialized = await broadcast(wallet.id, { kind: 'Transaction', transaction: unsigned })
    const serDone = await settledTx(wallet.id, serialized.id)
    assert.equal(serDone.status, 'Confirmed', serDone.reason)
    const serTx = await onChain(serDone.txHash)
    assert.equal(Number(BigInt(serTx.nonce)), 2)
    assert.equal(BigInt(serTx.gas), 21000n)

    // A legacy one stays legacy, with the gas price it names.
    const legacy = serializeTransaction({
      type: 'legacy',
      chainId: 11155111,
      to,
      value: 1n,
      gasPrice: 5_000_000_000n,
    })
    const legacyDone = await settledTx(
      wallet.id,
      (await broadcast(wallet.id, { kind: 'Transaction', transaction: legacy })).id,
    )
    assert.equal(legacyDone.status, 'Confirmed', legacyDone.reason)
    const legacyTx = await onChain(legacyDone.txHash)
    assert.equal(legacyTx.type, '0x0')
    assert.equal(BigInt(legacyTx.gasPrice), 5_000_000_000n)

    assert.equal(await f.balanceOf(to), 1000n + 16n + 7n + 1n)
    const listed = await f.w.root.wallets.listTransactions({ walletId: wallet.id })
    // (ids made within one millisecond of the test clock have no order among themselves)
    assert.deepEqual(
      listed.items.map((t) => t.id).sort(),
      [legacyDone.id, serialized.id, eip1559.id, evm.id].sort(),
    )
    // Transactions and transfers are separate lists.
    assert.equal((await f.w.root.wallets.listTransfers({ walletId: wallet.id })).items.length, 0)
  })

  it('a contract call that runs out of gas on chain ends Failed with its fee', async () => {
    const wallet = await f.fundedWallet()
    await f.sendAsDeployer({
      to: token,
      data: encodeFunctionData({ abi: mintAbi, functionName: 'mint', args: [wallet.address as Hex, 10n] }),
    })
    const data = encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [newAddress(), 1n] })
    const requested = await broadcast(wallet.id, { kind: 'Evm', to: token, data, gasLimit: '23000' })
    const done = await settledTx(wallet.id, requested.id)
    assert.equal(done.status, 'Failed')
    assert.equal(done.reason, 'the transaction reverted on chain')
    assert.ok(BigInt(done.fee ?? '0') > 0n)
  })

  it('refuses before storing: other kinds, bad fields, another chain, signed bytes, short balance, used nonce', async () => {
    const wallet = await f.fundedWallet('1')
    const to = newAddress()
    await assert.rejects(broadcast(wallet.id, { kind: 'Psbt', psbt: '0x00' }), failsWith(400, 'kind'))
    await assert.rejects(broadcast(wallet.id, { kind: 'Nope' }), failsWith(400, 'kind'))
    await assert.rejects(broadcast(wallet.id, { kind: 'Evm', to: '0x12' }), failsWith(400, 'to'))
    await assert.rejects(broadcast(wallet.id, { kind: 'Evm' }), failsWith(400, 'to'))
    await assert.rejects(broadcast(wallet.id, { kind: 'Evm', to, value: '-5' }), failsWith(400, 'value'))
    await assert.rejects(broadcast(wallet.id, { kind: 'Evm', to, data: 'zz' }), failsWith(400, 'data'))
    await assert.rejects(
      broadcast(wallet.id, { kind: 'Eip1559', to, maxFeePerGas: '1', maxPriorityFeePerGas: '2' }),
      failsWith(400, 'maxPriorityFeePerGas'),
    )
    await assert.rejects(
      broadcast(wallet.id, { kind: 'Evm', to, value: parseEther('2').toString() }),
      failsWith(400, 'value'),
    )
    await assert.rejects(
      broadcast(wallet.id, { kind: 'Transaction', transaction: '0x1234' }),
      failsWith(400, 'transaction'),
    )
    const mainnet = serializeTransaction({ type: 'eip1559', chainId: 1, to, value: 1n })
    await assert.rejects(
      broadcast(wallet.id, { kind: 'Transaction', transaction: mainnet }),
      failsWith(400, 'transaction'),
    )
    const signed = serializeTransaction(parseTransaction(mainnet) as never, {
      r: `0x${'11'.repeat(32)}`,
      s: `0x${'22'.repeat(32)}`,
      yParity: 0,
    })
    await assert.rejects(
      broadcast(wallet.id, { kind: 'Transaction', transaction: signed }),
      failsWith(400, 'transaction'),
    )
    const done = await settledTx(wallet.id, (await broadcast(wallet.id, { kind: 'Evm', to, value: '1' })).id)
    assert.equal(done.status, 'Confirmed')
    await assert.rejects(
      broadcast(wallet.id, { kind: 'Evm', to, value: '1', nonce: 0 }),
      failsWith(400, 'nonce'),
    )
    assert.equal((await f.w.root.wallets.listTransactions({ walletId: wallet.id })).items.length, 1)
  })

  it('a nonce the caller fixes ahead of the next one is never signed: Failed, no gap on chain', async () => {
    const wallet = await f.fundedWallet()
    const requested = await broadcast(wallet.id, { kind: 'Evm', to: newAddress(), value: '1', nonce: '0x5' })
    const done = await settledTx(wallet.id, requested.id)
    assert.equal(done.status, 'Failed')
    assert.match(done.reason ?? '', /nonce 5 is not the wallet's next nonce \(0\)/)
    assert.equal(await f.nonceOf(wallet.address!, 'pending'), 0)
    const next = await settledTx(
      wallet.id,
      (await broadcast(wallet.id, { kind: 'Evm', to: DEPLOYER, value: '1', nonce: 0 })).id,
    )
    assert.equal(next.status, 'Confirmed', next.reason)
  })

  it('externalId: concurrent twins get one transaction; another body under the same id is a 409', async () => {
    const wallet = await f.fundedWallet()
    const body = { kind: 'Evm', to: newAddress(), value: '3', externalId: `tx-${wallet.id}` }
    const twins = await Promise.all(Array.from({ length: 5 }, () => broadcast(wallet.id, body)))
    assert.equal(new Set(twins.map((t) => t.id)).size, 1)
    assert.equal(twins[0]?.externalId, body.externalId)
    await settledTx(wallet.id, twins[0]!.id)
    await assert.rejects(broadcast(wallet.id, { ...body, value: '4' }), failsWith(409))
    assert.equal(await f.nonceOf(wallet.address!), 1)
  })

  it('another org can neither broadcast from the wallet nor read its transactions (404)', async () => {
    const wallet = await f.fundedWallet()
    const done = await broadcast(wallet.id, { kind: 'Evm', to: newAddress(), value: '1' })
    const other = rootClientFrom(f.w.baseUrl, await f.w.bootstrapOrg())
    await assert.rejects(
      other.wallets.broadcastTransaction({
        walletId: wallet.id,
        body: { kind: 'Evm', to: newAddress(), value: '1' },
      }),
      failsWith(404),
    )
    await assert.rejects(
      other.wallets.getTransaction({ walletId: wallet.id, transactionId: done.id }),
      failsWith(404),
    )
    // A transaction id is not a transfer id on the transfer routes either.
    await assert.rejects(
      f.w.root.wallets.getTransfer({ walletId: wallet.id, transferId: done.id }),
      failsWith(404),
    )
  })

  it('Block policies reject a transaction: Rejected, nothing on chain', async () => {
    const wallet = await f.fundedWallet()
    await f.w.root.policies.createPolicy({
      body: {
        name: `whitelist tx ${wallet.id}`,
        activityKind: 'Wallets:Sign',
        rule: { kind: 'TransactionRecipientWhitelist', configuration: { addresses: [DEPLOYER] } },
        action: { kind: 'Block' },
        filters: { walletId: { in: [wallet.id] } },
      },
    })
    const blocked = await broadcast(wallet.id, { kind: 'Evm', to: newAddress(), value: '1' })
    assert.equal(blocked.status, 'Rejected')
    assert.match(blocked.reason ?? '', /not whitelisted/)
    await f.w.app.walletd.jobs.runDueJobs()
    assert.equal(await f.nonceOf(wallet.address!), 0)
  })

  it('a request that fails after its policies allowed it stops counting in velocity windows', async () => {
    const wallet = await f.fundedWallet('1')
    await f.w.root.policies.createPolicy({ body: countLimitPolicy(wallet.id, 1) })
    // A token transfer of tokens the wallet does not hold: accepted, then eth_estimateGas reverts.
    const data = encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [newAddress(), 5n] })
    const doomed = await broadcast(wallet.id, { kind: 'Evm', to: token, data })
    assert.equal(doomed.status, 'Executing')
    const failed = await settledTx(wallet.id, doomed.id)
    assert.equal(failed.status, 'Failed')
    assert.match(failed.reason ?? '', /would fail/)
    // Had the failed one kept counting, this second request would be the 2nd in the hour: blocked.
    const second = await broadcast(wallet.id, { kind: 'Evm', to: newAddress(), value: '1' })
    assert.notEqual(second.status, 'Rejected', second.reason)
    assert.equal((await settledTx(wallet.id, second.id)).status, 'Confirmed')
    // …and it counts: a third is blocked.
    const third = await broadcast(wallet.id, { kind: 'Evm', to: newAddress(), value: '1' })
    assert.equal(third.status, 'Rejected')
  })
})
