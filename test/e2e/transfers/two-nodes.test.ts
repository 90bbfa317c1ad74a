import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { DfnsApiClient } from '@dfns/sdk'
import { testDialect } from '../../helpers/database.ts'
import { rootClientFrom, type WalletdNode } from '../../helpers/sdk.ts'
import { type ChainFixture, chainFixture, newAddress } from './chain-fixture.ts'

/**
 * Two nodes on one database and one chain share the work: requests arrive through both, each
 * node's job runner claims executor jobs from the one queue (leases; `FOR UPDATE SKIP LOCKED` on
 * PostgreSQL), and the nonce counter row serialises the signers across them.
 */
describe(`two nodes sharing the transfers of one wallet (${testDialect})`, {
  skip:
    testDialect !== 'postgres' &&
    'two nodes share a PostgreSQL database (the SQLite test database is in memory)',
}, () => {
  let f: ChainFixture
  let other: WalletdNode
  let otherClient: DfnsApiClient
  before(async () => {
    f = await chainFixture()
    other = await f.w.startNode({
      config: { rpcUrls: `EthereumSepolia=${f.anvil.rpcUrl}`, prices: 'ETH=2000', devChain: 'false' },
    })
    otherClient = rootClientFrom(other.baseUrl, f.w.bootstrap)
  })
  after(async () => {
    await other?.close()
    await f?.close()
  })

  it('20 transfers and transactions through two nodes confirm with distinct consecutive nonces', async () => {
    const wallet = await f.fundedWallet()
    const to = newAddress()
    const clients = [f.w.root, otherClient]
    const requested = await Promise.all(
      Array.from({ length: 20 }, (_, i) => {
        const client = clients[i % 2]!
        return i % 4 < 2
          ? client.wallets
              .transferAsset({ walletId: wallet.id, body: { kind: 'Native', to, amount: String(i + 1) } })
              .then((t) => ({ kind: 'transfer' as const, id: t.id }))
          : client.wallets
              .broadcastTransaction({ walletId: wallet.id, body: { kind: 'Evm', to, value: String(i + 1) } })
              .then((t) => ({ kind: 'transaction' as const, id: t.id }))
      }),
    )
    const done = await Promise.all(
      requested.map((r, i) => {
        const client = clients[(i + 1) % 2]! // read back through the other node
        return f.settled(
          (): Promise<{ status: string; reason?: string; txHash?: string }> =>
            r.kind === 'transfer'
              ? client.wallets.getTransfer({ walletId: wallet.id, transferId: r.id })
              : client.wallets.getTransaction({ walletId: wallet.id, transactionId: r.id }),
        )
      }),
    )
    assert.ok(
      done.every((t) => t.status === 'Confirmed'),
      JSON.stringify(done.map((t) => t.reason)),
    )
    const nonces = await Promise.all(
      done.map(async (t) =>
        Number(
          BigInt((await f.rpc.request<{ nonce: string }>('eth_getTransactionByHash', [t.txHash])).nonce),
        ),
      ),
    )
    assert.deepEqual(
      nonces.sort((a, b) => a - b),
      Array.from({ length: 20 }, (_, i) => i),
    )
    assert.equal(await f.nonceOf(wallet.address!), 20)
    assert.equal(await f.balanceOf(to), BigInt((20 * 21) / 2))
  })
})
