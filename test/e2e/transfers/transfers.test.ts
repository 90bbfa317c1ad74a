import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { DfnsError } from '@dfns/sdk'
import { encodeFunctionData, erc20Abi, erc721Abi, type Hex, parseEther } from 'viem'
import { type AnvilProcess, startAnvil } from '../../../src/chains/dev-chain/anvil.ts'
import { createEvmRpc, type EvmRpc } from '../../../src/chains/evm/rpc.ts'
import { testDialect } from '../../helpers/database.ts'
import { erc20Bytecode, erc721Bytecode, mintAbi } from '../../helpers/evm-tokens.ts'
import { rootClientFrom, startWalletd, type Walletd } from '../../helpers/sdk.ts'

/** Anvil's first dev account: unlocked, funded; deploys the test tokens. */
const DEPLOYER = '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266'
const FINAL = new Set(['Confirmed', 'Failed', 'Rejected'])

type Wallet = Awaited<ReturnType<Walletd['root']['wallets']['createWallet']>>
type Transfer = Awaited<ReturnType<Walletd['root']['wallets']['getTransfer']>>

const failsWith = (status: number, field?: string) => (err: DfnsError) => {
  const body = (err.context as { body?: { error?: { details?: Record<string, unknown> } } })?.body
  assert.equal(err.httpStatus, status, `${err.httpStatus} ${JSON.stringify(body)}`)
  if (field !== undefined) assert.equal(body?.error?.details?.field, field, JSON.stringify(body))
  return true
}

export async function sendAsDeployer(
  rpc: EvmRpc,
  tx: { to?: Hex; data: Hex },
): Promise<{ contractAddress: Hex }> {
  const hash = await rpc.request<Hex>('eth_sendTransaction', [{ from: DEPLOYER, ...tx }])
  // Automine mines at once, but the receipt can show a moment after the hash on a loaded machine.
  let receipt: { status: string; contractAddress: Hex } | null = null
  while (!receipt) {
    receipt = await rpc.request('eth_getTransactionReceipt', [hash])
    if (!receipt) await new Promise((r) => setTimeout(r, 10))
  }
  assert.equal(receipt.status, '0x1')
  return receipt
}

describe(`transfers on a real chain (${testDialect})`, () => {
  let anvil: AnvilProcess
  let rpc: EvmRpc
  let w: Walletd
  let token: Hex
  let nft: Hex

  before(async () => {
    anvil = await startAnvil({ chainId: 11155111 })
    rpc = createEvmRpc({ urls: async () => [anvil.rpcUrl] })
    w = await startWalletd({
      config: { rpcUrls: `EthereumSepolia=${anvil.rpcUrl}`, prices: 'ETH=2000', devChain: 'false' },
    })
    token = (await sendAsDeployer(rpc, { data: erc20Bytecode })).contractAddress
    nft = (await sendAsDeployer(rpc, { data: erc721Bytecode })).contractAddress
  })
  after(async () => {
    await w?.close()
    await anvil?.stop()
  })

  async function fundedWallet(ether = '10'): Promise<Wallet> {
    const wallet = await w.root.wallets.createWallet({ body: { network: 'EthereumSepolia' } })
    await rpc.request('anvil_setBalance', [wallet.address, `0x${parseEther(ether).toString(16)}`])
    return wallet
  }

  async function settled(walletId: string, transferId: string): Promise<Transfer> {
    for (let i = 1; ; i++) {
      const transfer = await w.root.wallets.getTransfer({ walletId, transferId })
      if (FINAL.has(transfer.status)) return transfer
      // A job retried with backoff (an RPC slow to answer on a loaded machine) is due on the test
      // clock: move it on now and then so a retry is not waited for forever.
      if (i % 50 === 0) {
        w.clock.advance(5_000)
        await w.app.walletd.jobs.runDueJobs()
      }
      await new Promise((r) => setTimeout(r, 20))
    }
  }

  const balanceOf = async (address: string) =>
    BigInt(await rpc.request<string>('eth_getBalance', [address, 'latest']))
  const nonceOf = async (address: string) =>
    Number(BigInt(await rpc.request<string>('eth_getTransactionCount', [address, 'latest'])))
  const newAddress = () =>
    `0x${Buffer.from(crypto.getRandomValues(new Uint8Array(20))).toString('hex')}` as Hex

  it('a Native transfer reaches Confirmed and the value moves on chain', async () => {
    const wallet = await fundedWallet()
    const to = newAddress()
    const requested = await w.root.wallets.transferAsset({
      walletId: wallet.id,
      body: { kind: 'Native', to, amount: '1000000000000000', priority: 'Fast' },
    })
    assert.match(requested.id, /^xfr-/)
    assert.equal(requested.walletId, wallet.id)
    assert.equal(requested.network, 'EthereumSepolia')
    assert.deepEqual(requested.requestBody, {
      kind: 'Native',
      to,
      amount: '1000000000000000',
      priority: 'Fast',
    })
    assert.deepEqual(requested.metadata.asset, {
      symbol: 'ETH',
      decimals: 18,
      verified: true,
      quotes: { USD: 2000 },
    })
    const done = await settled(wallet.id, requested.id)
    assert.equal(done.status, 'Confirmed', done.reason)
    assert.ok(done.txHash && done.fee && done.dateBroadcasted && done.dateConfirmed)
    assert.equal(await balanceOf(to), 1000000000000000n)
    const tx = await rpc.request<{ from: string; input: string }>('eth_getTransactionByHash', [done.txHash])
    assert.equal(tx.from.toLowerCase(), wallet.address!.toLowerCase())
    const listed = await w.root.wallets.listTransfers({ walletId: wallet.id })
    assert.deepEqual(
      listed.items.map((t) => t.id),
      [requested.id],
    )
  })

  it('an Erc20 transfer of a token the test deployed moves its balance', async () => {
    const wallet = await fundedWallet()
    await sendAsDeployer(rpc, {
      to: token,
      data: encodeFunctionData({ abi: mintAbi, functionName: 'mint', args: [wallet.address as Hex, 1000n] }),
    })
    const to = newAddress()
    const requested = await w.root.wallets.transferAsset({
      walletId: wallet.id,
      body: { kind: 'Erc20', contract: token, to, amount: '250' },
    })
    assert.equal(requested.metadata.asset?.symbol, 'TST')
    assert.equal(requested.metadata.asset?.decimals, 18)
    const done = await settled(wallet.id, requested.id)
    assert.equal(done.status, 'Confirmed', done.reason)
    const balance = (address: string) =>
      rpc.client.readContract({
        address: token,
        abi: erc20Abi,
        functionName: 'balanceOf',
        args: [address as Hex],
      })
    assert.equal(await balance(to), 250n)
    assert.equal(await balance(wallet.address!), 750n)
  })

  it('an Erc721 token changes owner', async () => {
    const wallet = await fundedWallet()
    await sendAsDeployer(rpc, {
      to: nft,
      data: encodeFunctionData({ abi: mintAbi, functionName: 'mint', args: [wallet.address as Hex, 7n] }),
    })
    const to = newAddress()
    const requested = await w.root.wallets.transferAsset({
      walletId: wallet.id,
      body: { kind: 'Erc721', contract: nft, to, tokenId: '7' },
    })
    const done = await settled(wallet.id, requested.id)
    assert.equal(done.status, 'Confirmed', done.reason)
    const owner = await rpc.client.readContract({
      address: nft,
      abi: erc721Abi,
      functionName: 'ownerOf',
      args: [7n],
    })
    assert.equal(owner.toLowerCase(), to.toLowerCase())
  })

  it('20 concurrent transfers from one wallet confirm with distinct consecutive nonces', async () => {
    const wallet = await fundedWallet()
    const to = newAddress()
    const requests = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        w.root.wallets.transferAsset({
          walletId: wallet.id,
          body: { kind: 'Native', to, amount: String(i + 1) },
        }),
      ),
    )
    const done = await Promise.all(requests.map((r) => settled(wallet.id, r.id)))
    assert.ok(
      done.every((t) => t.status === 'Confirmed'),
      JSON.stringify(done.map((t) => t.reason)),
    )
    const nonces = await Promise.all(
      done.map(async (t) => {
        const tx = await rpc.request<{ nonce: string; input: string }>('eth_getTransactionByHash', [t.txHash])
        return Number(BigInt(tx.nonce))
      }),
    )
    assert.deepEqual(
      [...nonces].sort((a, b) => a - b),
      Array.from({ length: 20 }, (_, i) => i),
    )
    assert.equal(await nonceOf(wallet.address!), 20)
    assert.equal(await balanceOf(to), BigInt((20 * 21) / 2))
  })

  it('externalId: concurrent twins get one transfer; another body under the same id is a 409', async () => {
    const wallet = await fundedWallet()
    const body = { kind: 'Native' as const, to: newAddress(), amount: '5', externalId: `pay-${wallet.id}` }
    const twins = await Promise.all(
      Array.from({ length: 5 }, () => w.root.wallets.transferAsset({ walletId: wallet.id, body })),
    )
    assert.equal(new Set(twins.map((t) => t.id)).size, 1)
    assert.equal(twins[0]?.externalId, body.externalId)
    await settled(wallet.id, twins[0]!.id)
    await assert.rejects(
      w.root.wallets.transferAsset({ walletId: wallet.id, body: { ...body, amount: '6' } }),
      failsWith(409),
    )
    assert.equal(await nonceOf(wallet.address!), 1)
  })

  it('refuses before storing anything: kinds of other chains, bad fields, no such token, short balance', async () => {
    const wallet = await fundedWallet('1')
    const transfer = (body: Record<string, unknown>) =>
      w.root.wallets.transferAsset({ walletId: wallet.id, body: body as never })
    await assert.rejects(
      transfer({ kind: 'Spl', mint: newAddress(), to: newAddress(), amount: '1' }),
      (err: DfnsError) => {
        failsWith(400, 'kind')(err)
        assert.match(err.message, /Spl.*EthereumSepolia/)
        return true
      },
    )
    await assert.rejects(transfer({ kind: 'Nope', to: newAddress(), amount: '1' }), failsWith(400, 'kind'))
    await assert.rejects(transfer({ kind: 'Native', to: '0x1234', amount: '1' }), failsWith(400, 'to'))
    await assert.rejects(
      transfer({ kind: 'Native', to: newAddress(), amount: '-1' }),
      failsWith(400, 'amount'),
    )
    await assert.rejects(
      transfer({ kind: 'Native', to: newAddress(), amount: '0x10' }),
      failsWith(400, 'amount'),
    )
    await assert.rejects(transfer({ kind: 'Native', to: newAddress() }), failsWith(400, 'amount'))
    await assert.rejects(
      transfer({ kind: 'Native', to: newAddress(), amount: parseEther('2').toString() }),
      failsWith(400, 'amount'),
    )
    await assert.rejects(
      transfer({ kind: 'Erc20', contract: newAddress(), to: newAddress(), amount: '1' }),
      failsWith(400, 'contract'),
    )
    await assert.rejects(
      transfer({ kind: 'Erc20', contract: token, to: newAddress(), amount: '1' }),
      failsWith(400, 'amount'),
    )
    await assert.rejects(
      transfer({ kind: 'Erc721', contract: nft, to: newAddress(), tokenId: '999' }),
      failsWith(400, 'tokenId'),
    )
    const listed = await w.root.wallets.listTransfers({ walletId: wallet.id })
    assert.equal(listed.items.length, 0)
  })

  it('a transfer another org asks for, or asks about, is a 404', async () => {
    const wallet = await fundedWallet()
    const done = await w.root.wallets.transferAsset({
      walletId: wallet.id,
      body: { kind: 'Native', to: newAddress(), amount: '1' },
    })
    const other = rootClientFrom(w.baseUrl, await w.bootstrapOrg())
    await assert.rejects(
      other.wallets.transferAsset({
        walletId: wallet.id,
        body: { kind: 'Native', to: newAddress(), amount: '1' },
      }),
      failsWith(404),
    )
    await assert.rejects(
      other.wallets.getTransfer({ walletId: wallet.id, transferId: done.id }),
      failsWith(404),
    )
  })

  it('RequestApproval: Pending and nothing on chain until approved, then Confirmed; abort only while Pending', async () => {
    const wallet = await fundedWallet()
    const approver = await w.newUser()
    await w.grant(
      [approver.userId],
      ['Policies:Approvals:Read', 'Policies:Approvals:Approve'],
      `Approver ${wallet.id}`,
    )
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
    const to = newAddress()
    // $2 passes; $200 waits for approval.
    const small = await w.root.wallets.transferAsset({
      walletId: wallet.id,
      body: { kind: 'Native', to, amount: parseEther('0.001').toString() },
    })
    assert.equal((await settled(wallet.id, small.id)).status, 'Confirmed')
    const large = await w.root.wallets.transferAsset({
      walletId: wallet.id,
      body: { kind: 'Native', to, amount: parseEther('0.1').toString() },
    })
    assert.equal(large.status, 'Pending')
    assert.match(large.approvalId!, /^ap-/)
    const approval = await w.root.policies.getApproval({ approvalId: large.approvalId! })
    assert.equal((approval.activity as { transferRequest?: { id: string } }).transferRequest?.id, large.id)
    await w.app.walletd.jobs.runDueJobs()
    assert.equal(await nonceOf(wallet.address!), 1, 'nothing broadcast while Pending')

    await approver.client.policies.createApprovalDecision({
      approvalId: large.approvalId!,
      body: { value: 'Approved' },
    })
    const approved = await settled(wallet.id, large.id)
    assert.equal(approved.status, 'Confirmed', approved.reason)
    assert.ok(approved.datePolicyResolved)
    assert.equal(await balanceOf(to), parseEther('0.101'))
    await assert.rejects(
      w.root.wallets.abortTransfer({ walletId: wallet.id, transferId: large.id }),
      failsWith(412),
    )

    const third = await w.root.wallets.transferAsset({
      walletId: wallet.id,
      body: { kind: 'Native', to, amount: parseEther('0.2').toString() },
    })
    assert.equal(third.status, 'Pending')
    const aborted = await w.root.wallets.abortTransfer({ walletId: wallet.id, transferId: third.id })
    assert.equal(aborted.status, 'Rejected')
    await approver.client.policies
      .createApprovalDecision({ approvalId: third.approvalId!, body: { value: 'Approved' } })
      .catch(() => undefined)
    await w.app.walletd.jobs.runDueJobs()
    assert.equal(
      (await w.root.wallets.getTransfer({ walletId: wallet.id, transferId: third.id })).status,
      'Rejected',
    )
    assert.equal(await nonceOf(wallet.address!), 2, 'an aborted transfer is never broadcast')
  })

  it('Block: Rejected with the reason, and nothing on chain', async () => {
    const wallet = await fundedWallet()
    await w.root.policies.createPolicy({
      body: {
        name: `whitelist ${wallet.id}`,
        activityKind: 'Wallets:Sign',
        rule: { kind: 'TransactionRecipientWhitelist', configuration: { addresses: [DEPLOYER] } },
        action: { kind: 'Block' },
        filters: { walletId: { in: [wallet.id] } },
      },
    })
    const blocked = await w.root.wallets.transferAsset({
      walletId: wallet.id,
      body: { kind: 'Native', to: newAddress(), amount: '1' },
    })
    assert.equal(blocked.status, 'Rejected')
    assert.match(blocked.reason ?? '', /not whitelisted/)
    const allowed = await w.root.wallets.transferAsset({
      walletId: wallet.id,
      body: { kind: 'Native', to: DEPLOYER, amount: '1' },
    })
    assert.equal((await settled(wallet.id, allowed.id)).status, 'Confirmed')
    await w.app.walletd.jobs.runDueJobs()
    assert.equal(await nonceOf(wallet.address!), 1)
    const tx = await rpc.request<{ raw?: string; to: string }>('eth_getTransactionByHash', [
      (await w.root.wallets.getTransfer({ walletId: wallet.id, transferId: allowed.id })).txHash,
    ])
    assert.equal(tx.to.toLowerCase(), DEPLOYER.toLowerCase())
  })

  it('GET /networks/fees estimates Slow ≤ Standard ≤ Fast from the chain; a non-EVM network is a 400', async () => {
    const fees = await w.root.networks.getFees({ query: { network: 'EthereumSepolia' } })
    assert.equal(fees.kind, 'Eip1559')
    if (fees.kind !== 'Eip1559') return
    assert.equal(fees.network, 'EthereumSepolia')
    assert.ok(fees.blockNumber >= 0)
    const tip = (l: { maxPriorityFeePerGas: string }) => BigInt(l.maxPriorityFeePerGas)
    assert.ok(tip(fees.slow) <= tip(fees.standard) && tip(fees.standard) <= tip(fees.fast))
    assert.ok(BigInt(fees.fast.maxFeePerGas) >= BigInt(fees.baseFeePerGas) + tip(fees.fast))
    await assert.rejects(w.root.networks.getFees({ query: { network: 'Solana' } }), failsWith(400, 'network'))
  })

  it('the emulator lists the chain and its faucet sends mined value, behind the operator token only', async () => {
    const emulator = (path: string, init: RequestInit = {}, token = w.operatorToken) =>
      fetch(`${w.baseUrl}/emulator${path}`, {
        ...init,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      })
    const chains = (await (await emulator('/chains')).json()) as {
      network: string
      chainId: number
      rpcUrl: string
    }[]
    assert.deepEqual(chains, [{ network: 'EthereumSepolia', chainId: 11155111, rpcUrl: anvil.rpcUrl }])
    const to = newAddress()
    const response = await emulator('/faucet', {
      method: 'POST',
      body: JSON.stringify({ network: 'EthereumSepolia', address: to, amount: '12345' }),
    })
    assert.equal(response.status, 200)
    const { txHash } = (await response.json()) as { txHash: string }
    assert.ok(await rpc.request('eth_getTransactionReceipt', [txHash]))
    assert.equal(await balanceOf(to), 12345n)
    const refused = await emulator(
      '/faucet',
      { method: 'POST', body: JSON.stringify({ network: 'EthereumSepolia', address: to, amount: '1' }) },
      w.bootstrap.serviceAccount.accessToken,
    )
    assert.equal(refused.status, 401)
    const bad = await emulator('/faucet', {
      method: 'POST',
      body: JSON.stringify({ network: 'EthereumSepolia', address: '0x12', amount: '1' }),
    })
    assert.equal(bad.status, 400)
    assert.equal(
      ((await bad.json()) as { error: { details: { field: string } } }).error.details.field,
      'address',
    )
  })
})
