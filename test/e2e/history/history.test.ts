import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import {
  type Abi,
  createPublicClient,
  createWalletClient,
  erc20Abi,
  erc721Abi,
  getAddress,
  type Hex,
  http,
  parseEther,
} from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import type { App } from '../../../src/app.ts'
import { type AnvilProcess, startAnvil } from '../../../src/chains/dev-chain/anvil.ts'
import type { ManualClock } from '../../../src/clock.ts'
import { testDialect } from '../../helpers/database.ts'
import { erc20Bytecode, erc721Bytecode, mintAbi } from '../../helpers/evm-tokens.ts'
import { failsWith } from '../../helpers/fails-with.ts'
import { rootClientFrom, startWalletd, type Walletd } from '../../helpers/sdk.ts'
import { startReceiver, type WebhookReceiver } from '../../helpers/webhook-receiver.ts'

/** Anvil's first dev account (its well-known key): the outside world sending to our wallets. */
const account = privateKeyToAccount('0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80')
const sepolia = {
  id: 11155111,
  name: 'Sepolia (dev chain)',
  nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
  rpcUrls: { default: { http: [] as string[] } },
} as const

describe(`on-chain history, assets and NFTs from the block follower (${testDialect})`, () => {
  let anvil: AnvilProcess
  let w: Walletd
  let config: Record<string, string>
  let receiver: WebhookReceiver
  let chain: ReturnType<typeof createPublicClient>
  let sender: ReturnType<typeof createWalletClient>
  let token: Hex
  let nft: Hex

  /** One pass of the follow job: its poll interval elapses on the node's clock, then due jobs run. */
  async function follow(app: App = w.app, clock: ManualClock = w.clock) {
    clock.advance(w.config.chainPollMs)
    await app.walletd.jobs.runDueJobs()
  }

  const mined = async (hash: Hex) => {
    const receipt = await chain.waitForTransactionReceipt({ hash })
    assert.equal(receipt.status, 'success')
    return receipt
  }
  const deploy = async (bytecode: Hex) =>
    (await mined(await sender.deployContract({ abi: [], bytecode, account, chain: sepolia })))
      .contractAddress!
  const sendEth = async (to: string, value: bigint) =>
    mined(await sender.sendTransaction({ to: to as Hex, value, account, chain: sepolia }))
  /** A contract call sent by the outside account, mined. */
  const transact = async (address: Hex, abi: Abi, functionName: string, args: readonly unknown[]) =>
    mined(await sender.writeContract({ address, abi, functionName, args, account, chain: sepolia } as never))
  /** Test tokens (both kinds) mint to anyone: `amount` units, or the token with that id. */
  const mint = (contract: Hex, to: string, amount: bigint) =>
    transact(contract, mintAbi, 'mint', [to, amount])
  const newWallet = () => w.root.wallets.createWallet({ body: { network: 'EthereumSepolia' } })

  before(async () => {
    anvil = await startAnvil({ chainId: 11155111 })
    chain = createPublicClient({ transport: http(anvil.rpcUrl) })
    sender = createWalletClient({ transport: http(anvil.rpcUrl) })
    config = { rpcUrls: `EthereumSepolia=${anvil.rpcUrl}`, prices: 'ETH=2000', devChain: 'false' }
    w = await startWalletd({ multiNode: true, config })
    // The follower's first run sets its start at the current head.
    await follow()
    token = getAddress(await deploy(erc20Bytecode))
    nft = getAddress(await deploy(erc721Bytecode))
    receiver = await startReceiver()
    const hook = await w.root.webhooks.createWebhook({
      body: { url: receiver.url, events: ['wallet.blockchainevent.detected'] },
    })
    receiver.secret = hook.secret
  })
  after(async () => {
    await receiver?.close()
    await w?.close()
    await anvil?.stop()
  })

  it('an incoming native transfer appears in history and assets, and its webhook arrives', async () => {
    const wallet = await newWallet()
    const receipt = await sendEth(wallet.address!, 1_500_000_000_000_000n)
    await follow()
    const history = await w.root.wallets.getWalletHistory({ walletId: wallet.id })
    assert.equal(history.walletId, wallet.id)
    assert.equal(history.network, 'EthereumSepolia')
    assert.equal(history.items.length, 1)
    const item = history.items[0]!
    assert.equal(item.kind, 'NativeTransfer')
    assert.equal(item.direction, 'In')
    assert.equal(item.txHash, receipt.transactionHash)
    assert.equal(item.blockNumber, Number(receipt.blockNumber))
    assert.equal(item.kind === 'NativeTransfer' && item.value, '1500000000000000')
    assert.equal(item.kind === 'NativeTransfer' && item.from, account.address)
    assert.equal(item.kind === 'NativeTransfer' && item.to, wallet.address)
    assert.equal(
      item.kind === 'NativeTransfer' && item.fee,
      (receipt.gasUsed * receipt.effectiveGasPrice).toString(),
    )
    // The price when the follower recorded it (the price table says ETH = 2000 USD).
    assert.deepEqual(item.metadata.asset, {
      symbol: 'ETH',
      decimals: 18,
      verified: true,
      quotes: { USD: 2000 },
    })
    const block = await chain.getBlock({ blockNumber: receipt.blockNumber })
    assert.equal(item.timestamp, new Date(Number(block.timestamp) * 1000).toISOString())

    const assets = await w.root.wallets.getWalletAssets({ walletId: wallet.id, query: { netWorth: 'true' } })
    assert.deepEqual(assets.assets, [
      {
        kind: 'Native',
        symbol: 'ETH',
        decimals: 18,
        verified: true,
        balance: '1500000000000000',
        quotes: { USD: 2000 },
      },
    ])
    assert.equal(assets.netWorth?.USD, 3)

    // The webhook: signed, and its blockchainEvent is the history item.
    await w.app.walletd.jobs.runDueJobs()
    const event = await receiver.waitFor(
      (r) =>
        r.body.kind === 'wallet.blockchainevent.detected' &&
        r.body.data.blockchainEvent?.walletId === wallet.id,
    )
    assert.ok(event.signatureValid)
    assert.deepEqual(event.body.data.blockchainEvent, item)
  })

  it('an incoming ERC-20 transfer appears in history and assets; filters narrow the history', async () => {
    const wallet = await newWallet()
    await mint(token, account.address, 5000n)
    const receipt = await transact(token, erc20Abi, 'transfer', [wallet.address, 1234n])
    await sendEth(wallet.address!, 1000n)
    await follow()
    const history = await w.root.wallets.getWalletHistory({ walletId: wallet.id })
    assert.deepEqual(
      history.items.map((i) => i.kind),
      ['NativeTransfer', 'Erc20Transfer'],
      'newest first',
    )
    const erc20 = history.items[1]!
    assert.ok(erc20.kind === 'Erc20Transfer')
    assert.equal(erc20.contract, token)
    assert.equal(erc20.value, '1234')
    assert.equal(erc20.from, account.address)
    assert.equal(erc20.to, wallet.address)
    assert.equal(erc20.direction, 'In')
    assert.equal(erc20.txHash, receipt.transactionHash)
    assert.equal(erc20.index, String(receipt.logs[0]!.logIndex))
    assert.deepEqual(erc20.metadata.asset, { symbol: 'TST', decimals: 18, verified: false })

    const only = await w.root.wallets.getWalletHistory({
      walletId: wallet.id,
      query: { kind: 'Erc20Transfer', contract: token.toLowerCase() },
    })
    assert.deepEqual(only.items, [erc20])
    const out = await w.root.wallets.getWalletHistory({ walletId: wallet.id, query: { direction: 'Out' } })
    assert.deepEqual(out.items, [])
    const first = await w.root.wallets.getWalletHistory({ walletId: wallet.id, query: { limit: 1 } })
    assert.equal(first.items.length, 1)
    const second = await w.root.wallets.getWalletHistory({
      walletId: wallet.id,
      query: { limit: 1, paginationToken: first.nextPageToken! },
    })
    assert.deepEqual(second.items, [erc20])
    assert.equal(second.nextPageToken, undefined)

    const assets = await w.root.wallets.getWalletAssets({ walletId: wallet.id })
    const held = assets.assets.find((a) => a.kind === 'Erc20')
    assert.deepEqual(held, {
      kind: 'Erc20',
      contract: token,
      symbol: 'TST',
      decimals: 18,
      verified: false,
      balance: '1234',
    })
    assert.equal(assets.netWorth, undefined)

    // The org's history lists the same events, flat.
    const all = await w.root.wallets.listOrgWalletHistory({
      query: { startTime: '2000-01-01T00:00:00Z', endTime: '2100-01-01T00:00:00Z' },
    })
    assert.ok(typeof all !== 'string')
    const flat = all.items.find((i) => i.txHash === receipt.transactionHash)
    assert.deepEqual(flat, {
      timestamp: erc20.timestamp,
      walletId: wallet.id,
      network: 'EthereumSepolia',
      direction: 'In',
      from: account.address,
      to: wallet.address,
      amount: '1234',
      asset: token,
      symbol: 'TST',
      decimals: '18',
      fee: erc20.fee,
      feeSymbol: 'ETH',
      feeDecimals: '18',
      txHash: receipt.transactionHash,
    })
    const none = await w.root.wallets.listOrgWalletHistory({
      query: { startTime: '2000-01-01T00:00:00Z', endTime: '2000-01-02T00:00:00Z' },
    })
    assert.ok(typeof none !== 'string')
    assert.deepEqual(none.items, [])
  })

  it('an ERC-721 received shows in nfts; once sent on it does not', async () => {
    const wallet = await newWallet()
    await mint(nft, account.address, 7n)
    await mint(nft, account.address, 8n)
    for (const id of [7n, 8n]) {
      await transact(nft, erc721Abi, 'transferFrom', [account.address, wallet.address, id])
    }
    await follow()
    const nfts = await w.root.wallets.getWalletNfts({ walletId: wallet.id })
    assert.deepEqual(
      nfts.nfts.sort((a, b) => ('tokenId' in a && 'tokenId' in b ? a.tokenId.localeCompare(b.tokenId) : 0)),
      [
        { kind: 'Erc721', contract: nft, tokenId: '7', symbol: 'NFT' },
        { kind: 'Erc721', contract: nft, tokenId: '8', symbol: 'NFT' },
      ],
    )
    const history = await w.root.wallets.getWalletHistory({
      walletId: wallet.id,
      query: { kind: 'Erc721Transfer' },
    })
    assert.deepEqual(
      history.items.map((i) => i.kind === 'Erc721Transfer' && [i.direction, i.tokenId, i.contract]),
      [
        ['In', '8', nft],
        ['In', '7', nft],
      ],
    )
    // The wallet sends #7 on (through walletd's own transfer route): it leaves nfts, and the
    // follower records the Out event.
    await chain.request({
      method: 'anvil_setBalance' as never,
      params: [wallet.address, `0x${parseEther('1').toString(16)}`] as never,
    })
    const sent = await w.root.wallets.transferAsset({
      walletId: wallet.id,
      body: { kind: 'Erc721', contract: nft, tokenId: '7', to: account.address },
    })
    for (;;) {
      await w.app.walletd.jobs.runDueJobs()
      const t = await w.root.wallets.getTransfer({ walletId: wallet.id, transferId: sent.id })
      if (t.status === 'Confirmed') break
      assert.ok(!['Failed', 'Rejected'].includes(t.status), t.reason)
      w.clock.advance(1000)
    }
    await follow()
    const after = await w.root.wallets.getWalletNfts({ walletId: wallet.id })
    assert.deepEqual(after.nfts, [{ kind: 'Erc721', contract: nft, tokenId: '8', symbol: 'NFT' }])
    const outgoing = await w.root.wallets.getWalletHistory({
      walletId: wallet.id,
      query: { direction: 'Out' },
    })
    assert.deepEqual(
      outgoing.items.map((i) => i.kind === 'Erc721Transfer' && [i.tokenId, i.to]),
      [['7', account.address]],
    )
  })

  it('the follower resumes where it stopped after a restart, without duplicates', async () => {
    const wallet = await newWallet()
    await sendEth(wallet.address!, 111n)
    await follow()
    // This node stops following; a transfer lands while no node follows.
    await w.app.walletd.jobs.stop()
    await sendEth(wallet.address!, 222n)
    w.clock.advance(w.config.chainPollMs)
    const node = await w.startNode({ config })
    await node.app.walletd.jobs.runDueJobs()
    const history = await w.root.wallets.getWalletHistory({ walletId: wallet.id })
    assert.deepEqual(
      history.items.map((i) => i.kind === 'NativeTransfer' && i.value),
      ['222', '111'],
    )
  })

  it('a reorg of the dev chain removes an orphaned incoming transfer', async () => {
    const wallet = await newWallet()
    const kept = await sendEth(wallet.address!, 1n)
    const snapshot = await chain.request({ method: 'evm_snapshot' as never })
    const orphan = await sendEth(wallet.address!, 2n)
    await follow()
    let history = await w.root.wallets.getWalletHistory({ walletId: wallet.id })
    assert.equal(history.items.length, 2)
    await chain.request({ method: 'evm_revert' as never, params: [snapshot] as never })
    await chain.request({ method: 'anvil_mine' as never, params: ['0x3'] as never })
    assert.equal(await chain.getTransactionReceipt({ hash: orphan.transactionHash }).catch(() => null), null)
    await follow()
    history = await w.root.wallets.getWalletHistory({ walletId: wallet.id })
    assert.deepEqual(
      history.items.map((i) => i.txHash),
      [kept.transactionHash],
    )
    // Following goes on over the new branch.
    const after = await sendEth(wallet.address!, 3n)
    await follow()
    history = await w.root.wallets.getWalletHistory({ walletId: wallet.id })
    assert.deepEqual(
      history.items.map((i) => i.txHash),
      [after.transactionHash, kept.transactionHash],
    )
  })

  it('call-function decodes an ERC-20 balanceOf', async () => {
    const wallet = await newWallet()
    await mint(token, wallet.address!, 4242n)
    const abi = {
      type: 'function',
      name: 'balanceOf',
      stateMutability: 'view',
      inputs: [{ name: 'owner', type: 'address' }],
      outputs: [{ name: 'balance', type: 'uint256' }],
    }
    const answer = await w.root.networks.callFunction({
      network: 'ethereum-sepolia',
      body: { contract: token, abi, calldata: { owner: wallet.address } },
    })
    assert.deepEqual(answer, { balance: '4242' })
    const symbol = await w.root.networks.callFunction({
      network: 'ethereum-sepolia',
      body: {
        contract: token,
        abi: {
          type: 'function',
          name: 'symbol',
          stateMutability: 'view',
          inputs: [],
          outputs: [{ name: '', type: 'string' }],
        },
      },
    })
    assert.deepEqual(symbol, { '0': 'TST' })

    const call = (body: object, network = 'ethereum-sepolia') =>
      w.root.networks.callFunction({ network, body: body as never })
    await assert.rejects(
      call({
        contract: token,
        abi: { ...abi, stateMutability: 'nonpayable' },
        calldata: { owner: wallet.address },
      }),
      failsWith(400, 'abi.stateMutability'),
    )
    await assert.rejects(
      call({ contract: 'nope', abi, calldata: { owner: wallet.address } }),
      failsWith(400, 'contract'),
    )
    await assert.rejects(call({ contract: token, abi, calldata: {} }), failsWith(400, 'calldata.owner'))
    await assert.rejects(call({ contract: token, abi, calldata: { owner: 'x' } }), failsWith(400, 'calldata'))
    await assert.rejects(call({ contract: token, abi }, 'no-such-network'), failsWith(400, 'network'))
    await assert.rejects(call({ contract: token, abi }, 'bitcoin'), failsWith(400, 'network'))
    await assert.rejects(call({ contract: token }), failsWith(400, 'abi'))
  })

  it("a token the operator lists shows in every wallet's assets, verified, even before it moves", async () => {
    const wallet = await newWallet()
    // Listed in lower case and received too: one asset, in EIP-55 form.
    await mint(token, wallet.address!, 9n)
    await follow()
    const node = await w.startNode({
      config: { ...config, evmTokens: `EthereumSepolia=${token.toLowerCase()}` },
    })
    const root = rootClientFrom(node.baseUrl, w.bootstrap)
    const erc20 = { kind: 'Erc20', contract: token, symbol: 'TST', decimals: 18, verified: true }
    const assets = await root.wallets.getWalletAssets({ walletId: wallet.id })
    assert.deepEqual(assets.assets, [
      { kind: 'Native', symbol: 'ETH', decimals: 18, verified: true, balance: '0', quotes: { USD: 2000 } },
      { ...erc20, balance: '9' },
    ])
    const untouched = await newWallet()
    const listed = await root.wallets.getWalletAssets({ walletId: untouched.id })
    assert.deepEqual(listed.assets[1], { ...erc20, balance: '0' })
    await node.close()
  })

  it("another org's wallet is a 404; bad input is a 400 naming the field", async () => {
    const wallet = await newWallet()
    const other = rootClientFrom(w.baseUrl, await w.bootstrapOrg())
    await assert.rejects(other.wallets.getWalletHistory({ walletId: wallet.id }), failsWith(404))
    await assert.rejects(other.wallets.getWalletAssets({ walletId: wallet.id }), failsWith(404))
    await assert.rejects(other.wallets.getWalletNfts({ walletId: wallet.id }), failsWith(404))
    const theirs = await other.wallets.listOrgWalletHistory({
      query: { startTime: '2000-01-01T00:00:00Z', endTime: '2100-01-01T00:00:00Z' },
    })
    assert.ok(typeof theirs !== 'string')
    assert.deepEqual(theirs.items, [])

    // An end user sees the history of the wallets delegated to them only.
    const endUser = await w.newEndUser()
    const delegated = await w.root.wallets.createWallet({
      body: { network: 'EthereumSepolia', delegateTo: endUser.userId },
    })
    await sendEth(delegated.address!, 5n)
    await sendEth(wallet.address!, 6n)
    await follow()
    assert.equal((await endUser.client.wallets.getWalletHistory({ walletId: delegated.id })).items.length, 1)
    await assert.rejects(endUser.client.wallets.getWalletHistory({ walletId: wallet.id }), failsWith(404))
    await assert.rejects(endUser.client.wallets.getWalletAssets({ walletId: wallet.id }), failsWith(404))
    const visible = await endUser.client.wallets.listOrgWalletHistory({
      query: { startTime: '2000-01-01T00:00:00Z', endTime: '2100-01-01T00:00:00Z' },
    })
    assert.ok(typeof visible !== 'string')
    assert.deepEqual(
      visible.items.map((i) => i.walletId),
      [delegated.id],
    )

    const history = (query: object) =>
      w.root.wallets.getWalletHistory({ walletId: wallet.id, query: query as never })
    await assert.rejects(history({ kind: 'Bogus' }), failsWith(400, 'kind'))
    await assert.rejects(history({ direction: 'Sideways' }), failsWith(400, 'direction'))
    await assert.rejects(history({ contract: '0x1234' }), failsWith(400, 'contract'))
    await assert.rejects(history({ limit: 501 }), failsWith(400, 'limit'))
    await assert.rejects(history({ paginationToken: 'not-ours' }), failsWith(400, 'paginationToken'))
    const all = (query: object) => w.root.wallets.listOrgWalletHistory({ query: query as never })
    await assert.rejects(
      all({ startTime: 'yesterday', endTime: '2100-01-01T00:00:00Z' }),
      failsWith(400, 'startTime'),
    )
    await assert.rejects(all({ startTime: '2000-01-01T00:00:00Z' }), failsWith(400, 'endTime'))
    await assert.rejects(
      all({ startTime: '2001-01-01T00:00:00Z', endTime: '2000-01-01T00:00:00Z' }),
      failsWith(400, 'endTime'),
    )
  })
})
