/**
 * Nothing lost, nothing sent twice: a real `walletd start` process is killed with SIGKILL while a
 * batch of 50 transfers from one wallet is under way. After a restart on the same storage, the
 * client re-sends what it got no answer for (same body, same externalId), and every transfer
 * settles exactly once; the chain holds exactly one transaction per Confirmed transfer, with
 * consecutive nonces. On PostgreSQL (WALLETD_TEST_DATABASE_URL) the storage is a fresh database.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import type { DfnsApiClient } from '@dfns/sdk'
import { parseEther } from 'viem'
import { type AnvilProcess, startAnvil } from '../../../src/chains/dev-chain/anvil.ts'
import { createEvmRpc, type EvmRpc } from '../../../src/chains/evm/rpc.ts'
import type { BootstrapResult } from '../../../src/domains/auth/index.ts'
import { testDialect } from '../../helpers/database.ts'
import { rootClientFrom } from '../../helpers/sdk.ts'
import {
  type CliStorage,
  cliStorage,
  type RunningWalletd,
  runCli,
  startWalletd,
} from '../../helpers/walletd-process.ts'
import { newAddress } from './chain-fixture.ts'

const BATCH = 50
const FINAL = new Set(['Confirmed', 'Failed', 'Rejected'])
/** A request stored but never cleared by the policies is failed by its fallback job after 2 min. */
const TIMEOUT_MS = 420_000

describe(`kill -9 during a batch of ${BATCH} transfers (${testDialect})`, { timeout: TIMEOUT_MS }, () => {
  let anvil: AnvilProcess
  let rpc: EvmRpc
  let storage: CliStorage
  let env: NodeJS.ProcessEnv
  const running: RunningWalletd[] = []

  before(async () => {
    anvil = await startAnvil({ chainId: 11155111 })
    rpc = createEvmRpc({ urls: async () => [anvil.rpcUrl] })
    storage = await cliStorage('walletd-transfers-kill9-')
    // The production profile, as an operator runs it (no emulator controls, no dev chain).
    env = {
      WALLETD_PROFILE: 'production',
      WALLETD_OPERATOR_TOKEN: '', // the helper sets one on PostgreSQL; production refuses it
      WALLETD_MASTER_KEY: randomBytes(32).toString('hex'),
      WALLETD_LOG_LEVEL: 'warn',
      WALLETD_RPC_URLS: `EthereumSepolia=${anvil.rpcUrl}`,
      WALLETD_DEV_CHAIN: 'false',
    }
  })
  after(async () => {
    for (const node of running) if (node.child.exitCode === null) node.child.kill('SIGKILL')
    await Promise.all(running.map((n) => n.exited))
    await storage?.dispose()
    await anvil?.stop()
  })

  const start = async () => {
    const node = await startWalletd(storage.flags, env)
    running.push(node)
    return node
  }
  const nonceOf = async (address: string, tag: 'latest' | 'pending') =>
    Number(BigInt(await rpc.request<string>('eth_getTransactionCount', [address, tag])))

  it('every transfer settles once after a restart; the chain holds one transaction per Confirmed transfer', async () => {
    const out = await runCli(['bootstrap', '--json', ...storage.flags], env)
    assert.equal(out.code, 0, out.stderr)
    const bootstrap = JSON.parse(out.stdout) as BootstrapResult
    const first = await start()
    let client: DfnsApiClient = rootClientFrom(first.baseUrl, bootstrap)
    const wallet = await client.wallets.createWallet({ body: { network: 'EthereumSepolia' } })
    await rpc.request('anvil_setBalance', [wallet.address, `0x${parseEther('10').toString(16)}`])
    const to = newAddress()
    const bodies = Array.from({ length: BATCH }, (_, i) => ({
      kind: 'Native' as const,
      to,
      amount: String(i + 1),
      externalId: `batch-${wallet.id}-${i}`,
    }))

    const refusals: string[] = []
    // The whole batch in flight; the kill lands once the first transactions reached the chain.
    const answers = bodies.map((body) =>
      client.wallets.transferAsset({ walletId: wallet.id, body }).then(
        (t) => t.id,
        (err: Error) => {
          refusals.push(String(err.message))
          return undefined
        },
      ),
    )
    const patience = AbortSignal.timeout(60_000)
    while ((await nonceOf(wallet.address!, 'pending')) < 5) {
      if (patience.aborted)
        assert.fail(
          `nothing reached the chain: ${JSON.stringify(refusals.slice(0, 3))} ${JSON.stringify(first.lines.filter((l) => Number(l.level) >= 50).slice(0, 2))}`,
        )
      await sleep(10)
    }
    first.child.kill('SIGKILL')
    assert.equal(await first.exited, null, 'killed by a signal')
    const answered = await Promise.all(answers)
    const sentBeforeKill = await nonceOf(wallet.address!, 'pending')
    assert.ok(sentBeforeKill < BATCH, `the kill landed mid-batch (${sentBeforeKill} of ${BATCH} sent)`)

    const second = await start()
    client = rootClientFrom(second.baseUrl, bootstrap)
    // The client retries what it got no answer for: an accepted one answers with itself.
    const ids = await Promise.all(
      bodies.map(
        async (body, i) =>
          answered[i] ?? (await client.wallets.transferAsset({ walletId: wallet.id, body })).id,
      ),
    )
    assert.equal(new Set(ids).size, BATCH, 'one transfer per externalId')
    const listed = await client.wallets.listTransfers({ walletId: wallet.id, query: { limit: 100 } })
    assert.equal(listed.items.length, BATCH, 'no duplicate was stored')

    // Bounded so that a stuck transfer fails the test with its state instead of a timeout.
    const settle = async (transferId: string) => {
      const patience = AbortSignal.timeout(200_000)
      for (;;) {
        const t = await client.wallets.getTransfer({ walletId: wallet.id, transferId })
        if (FINAL.has(t.status)) return t
        if (patience.aborted) assert.fail(`stuck: ${JSON.stringify(t)}`)
        await sleep(100)
      }
    }
    const settled = await Promise.all(ids.map(settle))
    const confirmed = settled.filter((t) => t.status === 'Confirmed')
    const failed = settled.filter((t) => t.status !== 'Confirmed')
    // The only way to fail here: stored, then killed before the policies cleared it. Never sent.
    for (const t of failed) {
      assert.equal(t.status, 'Failed')
      assert.equal(t.reason, 'interrupted before its policies were evaluated')
      assert.equal(t.txHash, undefined)
    }
    const nonces = await Promise.all(
      confirmed.map(async (t) => {
        const tx = await rpc.request<{ nonce: string; from: string }>('eth_getTransactionByHash', [t.txHash])
        assert.equal(tx.from.toLowerCase(), wallet.address!.toLowerCase())
        return Number(BigInt(tx.nonce))
      }),
    )
    assert.deepEqual(
      nonces.sort((a, b) => a - b),
      Array.from({ length: confirmed.length }, (_, i) => i),
      'consecutive nonces, none reused, no gap',
    )
    assert.equal(
      await nonceOf(wallet.address!, 'latest'),
      confirmed.length,
      'one transaction per Confirmed transfer',
    )
    const sum = confirmed.reduce((acc, t) => acc + BigInt((t.requestBody as { amount: string }).amount), 0n)
    assert.equal(BigInt(await rpc.request<string>('eth_getBalance', [to, 'latest'])), sum)

    // Those never sent are sent again by the client under new ids: the batch completes, 50 on chain.
    const redone = await Promise.all(
      failed.map(async (t) => {
        const body = { ...(t.requestBody as (typeof bodies)[number]), externalId: `${t.externalId}-again` }
        return settle((await client.wallets.transferAsset({ walletId: wallet.id, body })).id)
      }),
    )
    assert.ok(redone.every((t) => t.status === 'Confirmed'))
    assert.equal(
      await nonceOf(wallet.address!, 'latest'),
      BATCH,
      `exactly ${BATCH} transactions from the wallet`,
    )
    assert.equal(
      BigInt(await rpc.request<string>('eth_getBalance', [to, 'latest'])),
      BigInt((BATCH * (BATCH + 1)) / 2),
    )
    await second.stop()
  })
})
