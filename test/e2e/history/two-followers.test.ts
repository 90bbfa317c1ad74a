import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createWalletClient, type Hex, http } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { type AnvilProcess, startAnvil } from '../../../src/chains/dev-chain/anvil.ts'
import { createEvmEndpoints } from '../../../src/chains/evm/endpoints.ts'
import type { DatabaseHandle } from '../../../src/db/database.ts'
import { createFollower } from '../../../src/domains/wallets/history/follower.ts'
import { createHistoryRepository } from '../../../src/domains/wallets/history/repository.ts'
import { createTokenFacts } from '../../../src/domains/wallets/history/tokens.ts'
import { testDialect } from '../../helpers/database.ts'
import { startWalletd, type Walletd } from '../../helpers/sdk.ts'

const account = privateKeyToAccount('0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80')
const NETWORK = 'EthereumSepolia'

/**
 * Two nodes following one network at the same moment (a lease taken over while its holder still
 * runs): each range is stored by one of them, and each event, with its webhook event, once.
 */
describe(`two followers racing on one database (${testDialect})`, () => {
  let anvil: AnvilProcess
  let w: Walletd
  let second: DatabaseHandle

  before(async () => {
    anvil = await startAnvil({ chainId: 11155111 })
    w = await startWalletd({
      multiNode: true,
      config: { rpcUrls: `${NETWORK}=${anvil.rpcUrl}`, devChain: 'false' },
    })
    // The app's own follower stays out of it: only the two below scan.
    await w.app.walletd.jobs.stop()
    second = w.database.openAnother()
  })
  after(async () => {
    await second?.close()
    await w?.close()
    await anvil?.stop()
  })

  const followerOn = (handle: DatabaseHandle) =>
    createFollower({
      db: handle.db,
      clock: w.clock,
      evm: createEvmEndpoints({ rpcUrls: { [NETWORK]: [anvil.rpcUrl] } }),
      repository: createHistoryRepository(handle.db),
      tokens: createTokenFacts(),
      listed: () => false,
      emit: w.app.walletd.webhooks.emitEvent,
      confirmations: 1,
      pollMs: 1000,
    })

  it('stores every transfer once and emits its webhook event once', async () => {
    const hook = await w.root.webhooks.createWebhook({
      body: { url: 'http://127.0.0.1:9/unused', events: ['wallet.blockchainevent.detected'] },
    })
    const wallets = await Promise.all(
      [1, 2, 3].map(() => w.root.wallets.createWallet({ body: { network: NETWORK } })),
    )
    const a = followerOn(w.database)
    const b = followerOn(second)
    await a.follow(NETWORK)
    const sender = createWalletClient({ account, transport: http(anvil.rpcUrl) })
    const chain = {
      id: 11155111,
      name: 'dev',
      nativeCurrency: { name: 'E', symbol: 'ETH', decimals: 18 },
      rpcUrls: { default: { http: [anvil.rpcUrl] } },
    }
    for (let i = 0; i < 24; i++) {
      await sender.sendTransaction({ to: wallets[i % 3]!.address as Hex, value: BigInt(i + 1), chain })
    }
    const runs = await Promise.allSettled([
      a.follow(NETWORK),
      b.follow(NETWORK),
      b.follow(NETWORK),
      a.follow(NETWORK),
    ])
    assert.deepEqual(
      runs.filter((r) => r.status === 'rejected'),
      [],
    )
    // Whatever each run left undone, one more pass completes it.
    await a.follow(NETWORK)

    const rows = await w.database.db
      .selectFrom('chain_events')
      .select(['event_key', 'value'])
      .where(
        'wallet_id',
        'in',
        wallets.map((x) => x.id),
      )
      .execute()
    assert.equal(rows.length, 24)
    assert.equal(new Set(rows.map((r) => r.event_key)).size, 24)
    assert.deepEqual(
      rows.map((r) => Number(r.value)).sort((x, y) => x - y),
      Array.from({ length: 24 }, (_, i) => i + 1),
    )
    const events = await w.root.webhooks.listWebhookEvents({ webhookId: hook.id, query: { limit: 100 } })
    assert.equal(events.items.length, 24)
    assert.equal(
      new Set(
        events.items.map((e) => (e.data as { blockchainEvent: { txHash: string } }).blockchainEvent.txHash),
      ).size,
      24,
    )
  })
})
