import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { testDialect } from '../../helpers/database.ts'
import { rootClientFrom } from '../../helpers/sdk.ts'
import {
  type CliStorage,
  cliStorage,
  type RunningWalletd,
  startWalletd,
  TEST_OPERATOR_TOKEN,
} from '../../helpers/walletd-process.ts'

const env = { WALLETD_OPERATOR_TOKEN: TEST_OPERATOR_TOKEN, WALLETD_CHAIN_POLL_MS: '200' }

/**
 * `walletd start` as an operator runs it, with its own dev chain: the follower runs on the job
 * queue's own timer, finds value the faucet sends to a wallet, and after a restart (same data dir,
 * the dev chain's state kept) resumes from its cursor without recording anything twice.
 */
describe(`the block follower in a real walletd process on its dev chain (${testDialect})`, () => {
  let storage: CliStorage
  let walletd: RunningWalletd | undefined
  before(async () => {
    storage = await cliStorage('walletd-follower-')
  })
  after(async () => {
    await walletd?.stop()
    await storage?.dispose()
  })

  const faucet = async (address: string, amount: string) => {
    const res = await fetch(`${walletd!.baseUrl}/emulator/faucet`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_OPERATOR_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ network: 'EthereumSepolia', address, amount }),
    })
    assert.equal(res.status, 200, await res.clone().text())
    return ((await res.json()) as { txHash: string }).txHash
  }

  it('records faucet deposits, and resumes after a restart without duplicates', async () => {
    walletd = await startWalletd(storage.flags, env)
    const bootstrap = JSON.parse(fs.readFileSync(path.join(storage.dataDir, 'bootstrap.json'), 'utf8'))
    let root = rootClientFrom(walletd.baseUrl, bootstrap)
    const wallet = await root.wallets.createWallet({ body: { network: 'EthereumSepolia' } })
    const history = async (count: number) => {
      // The follower polls every 200 ms; wait (generously: the machine may be loaded) for `count`.
      for (let i = 0; i < 600; i++) {
        const page = await root.wallets.getWalletHistory({ walletId: wallet.id })
        if (page.items.length >= count) return page.items
        await sleep(100)
      }
      assert.fail(`the history never reached ${count} items`)
    }

    const first = await faucet(wallet.address!, '1000')
    assert.deepEqual(
      (await history(1)).map((i) => i.txHash),
      [first],
    )

    await walletd.stop()
    walletd = await startWalletd(storage.flags, env)
    root = rootClientFrom(walletd.baseUrl, bootstrap)
    const second = await faucet(wallet.address!, '2000')
    const items = await history(2)
    assert.deepEqual(
      items.map((i) => [i.txHash, i.kind === 'NativeTransfer' && i.value, i.direction]),
      [
        [second, '2000', 'In'],
        [first, '1000', 'In'],
      ],
    )
    const assets = await root.wallets.getWalletAssets({ walletId: wallet.id })
    assert.equal(assets.assets[0]?.balance, '3000')
  })
})
