/**
 * A real `walletd start` process killed with SIGKILL in the middle of work leaves nothing behind
 * that needs a client's help: no key material without its key and wallet, no signature request
 * `Executing` forever. On PostgreSQL (WALLETD_TEST_DATABASE_URL set) the nodes share a fresh
 * database; on SQLite they open the same file in one data dir.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import type { DfnsApiClient } from '@dfns/sdk'
import { sql } from 'kysely'
import { keccak256, parseEther, toHex } from 'viem'
import { openDatabase } from '../../../src/db/database.ts'
import type { BootstrapResult } from '../../../src/domains/auth/index.ts'
import { createTestDatabase, type TestDatabase, testDialect } from '../../helpers/database.ts'
import { unsignedSepoliaTransfer } from '../../helpers/evm.ts'
import { rootClientFrom } from '../../helpers/sdk.ts'
import { type RunningWalletd, runCli, startWalletd } from '../../helpers/walletd-process.ts'

/** Generous: the interrupted-request test waits out a real lease (price timeout + 30 s). */
const TIMEOUT_MS = 240_000

describe(`kill -9 of a real walletd process (${testDialect})`, { timeout: TIMEOUT_MS }, () => {
  let dir: string
  let database: TestDatabase | undefined
  let storage: string[]
  const running: RunningWalletd[] = []
  // A price service that receives lookups and never answers: a request asking it is held, by
  // design, at a known point (stored `Executing`, before any signature).
  const held: http.ServerResponse[] = []
  let priceAsked: () => void = () => {}
  const prices = http.createServer((_req, res) => {
    held.push(res)
    priceAsked()
  })
  let env: NodeJS.ProcessEnv

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'walletd-kill9-'))
    if (testDialect === 'postgres') {
      database = await createTestDatabase({ migrate: false })
      storage = ['--data-dir', dir, '--database-url', database.databaseUrl!]
    } else {
      storage = ['--data-dir', dir]
    }
    await new Promise<void>((resolve) => prices.listen(0, '127.0.0.1', resolve))
    env = {
      WALLETD_MASTER_KEY: randomBytes(32).toString('hex'),
      WALLETD_OPERATOR_TOKEN: randomBytes(32).toString('hex'),
      WALLETD_LOG_LEVEL: 'warn',
      WALLETD_PRICE_URL: `http://127.0.0.1:${(prices.address() as AddressInfo).port}/{symbol}`,
      WALLETD_PRICE_TIMEOUT_MS: '5000',
      // Nothing here touches a chain: without a dev chain no Anvil child is left writing its state
      // into the data dir while the killed node's directory is removed.
      WALLETD_DEV_CHAIN: 'false',
    }
  })
  after(async () => {
    for (const node of running) if (node.child.exitCode === null) node.child.kill('SIGKILL')
    await Promise.all(running.map((n) => n.exited))
    for (const res of held) res.destroy()
    await new Promise((resolve) => prices.close(resolve))
    await database?.dispose()
    fs.rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 })
  })

  const start = async () => {
    const node = await startWalletd(storage, env)
    running.push(node)
    return node
  }
  const kill9 = async (node: RunningWalletd) => {
    node.child.kill('SIGKILL')
    assert.equal(await node.exited, null, 'killed by a signal, not exited')
  }
  const bootstrap = async (): Promise<BootstrapResult> => {
    const out = await runCli(['bootstrap', '--json', ...storage], env)
    assert.equal(out.code, 0, out.stderr)
    return JSON.parse(out.stdout) as BootstrapResult
  }
  /** What the killed node left in the database, read directly as the next node would see it. */
  const inspect = async <T>(read: (db: ReturnType<typeof openDatabase>['db']) => Promise<T>): Promise<T> => {
    const handle = database
      ? database.openAnother()
      : openDatabase({ kind: 'sqlite', file: path.join(dir, 'walletd.sqlite') })
    try {
      return await read(handle.db)
    } finally {
      await handle.close()
    }
  }

  /**
   * Makes every wallet insert slow (a trigger the test installs), so that a creation can be killed
   * at a known point: inside the statement that writes its wallet row, after its key material was
   * made. Returns how to tell that a creation is in there, and how to remove the trigger.
   */
  async function slowWalletInserts(node: RunningWalletd) {
    if (database) {
      const admin = database.openAnother()
      await sql`create function walletd_test_slow() returns trigger language plpgsql as
                $$ begin perform pg_sleep(120); return new; end $$`.execute(admin.db)
      await sql`create trigger walletd_test_slow before insert on wallets
                for each row execute function walletd_test_slow()`.execute(admin.db)
      const inserting = async () => {
        const rows = await sql<{ pid: number }>`select pid from pg_stat_activity
          where datname = current_database() and state = 'active'
          and query ilike 'insert into "wallets"%'`.execute(admin.db)
        return rows.rows.map((r) => r.pid)
      }
      return {
        async inside() {
          while ((await inserting()).length === 0) await sleep(50)
        },
        async remove() {
          // The killed node's backend would sleep on: end it as PostgreSQL ends a dead client's.
          for (const pid of await inserting())
            await sql`select pg_terminate_backend(${pid})`.execute(admin.db)
          await sql`drop trigger walletd_test_slow on wallets`.execute(admin.db)
          await sql`drop function walletd_test_slow()`.execute(admin.db)
          await admin.close()
        },
      }
    }
    // SQLite: a trigger that counts a billion-row cross join. better-sqlite3 runs it on walletd's
    // event loop, which is why a stalled /healthz says the insert is under way.
    const file = path.join(dir, 'walletd.sqlite')
    const admin = openDatabase({ kind: 'sqlite', file })
    await sql`create table walletd_test_rows (n integer)`.execute(admin.db)
    await sql`insert into walletd_test_rows
              with recursive c(n) as (select 1 union all select n + 1 from c where n < 1000)
              select n from c`.execute(admin.db)
    await sql`create trigger walletd_test_slow before insert on wallets begin
                select count(*) from walletd_test_rows a, walletd_test_rows b, walletd_test_rows c;
              end`.execute(admin.db)
    return {
      async inside() {
        for (;;) {
          const answered = await fetch(`${node.baseUrl}/healthz`, { signal: AbortSignal.timeout(1500) }).then(
            () => true,
            () => false,
          )
          if (!answered) return
          await sleep(50)
        }
      },
      async remove() {
        await sql`drop trigger walletd_test_slow`.execute(admin.db)
        await sql`drop table walletd_test_rows`.execute(admin.db)
        await admin.close()
      },
    }
  }

  it('wallet creation killed while writing its wallet: no key material without its key and wallet; the next node signs with every wallet', async () => {
    const node = await start()
    const org = await bootstrap()
    const root = rootClientFrom(node.baseUrl, org)
    const before = await root.wallets.createWallet({ body: { network: 'EthereumSepolia' } })
    const slow = await slowWalletInserts(node)
    const lost = root.wallets.createWallet({ body: { network: 'EthereumSepolia', name: 'never' } }).then(
      () => assert.fail('the node was killed before answering'),
      (err: Error) => err,
    )
    await slow.inside()
    await kill9(node)
    await lost
    await slow.remove()

    const left = await inspect(async (db) => {
      const material = await db
        .selectFrom('custody_keys')
        .select('key_id')
        .where('org_id', '=', org.orgId)
        .execute()
      const keys = await db.selectFrom('keys').select('id').where('org_id', '=', org.orgId).execute()
      const wallets = await db
        .selectFrom('wallets')
        .select('key_id')
        .where('org_id', '=', org.orgId)
        .execute()
      return {
        material: material.map((m) => m.key_id),
        keys: keys.map((k) => k.id),
        wallets: wallets.map((w) => w.key_id),
      }
    })
    // Only the wallet that was answered exists, with its key and its material; nothing of the other.
    assert.deepEqual(left, {
      material: [before.signingKey.id],
      keys: [before.signingKey.id],
      wallets: [before.signingKey.id],
    })

    const next = await start()
    const root2 = rootClientFrom(next.baseUrl, org)
    const listed = await root2.wallets.listWallets()
    assert.deepEqual(
      listed.items.map((w) => w.id),
      [before.id],
    )
    const signed = await root2.wallets.generateSignature({
      walletId: before.id,
      body: { kind: 'Hash', hash: keccak256(toHex('after the crash')) },
    })
    assert.equal(signed.status, 'Signed')
    await kill9(next)
  })

  it('a signature request left Executing by a killed node ends Failed without any client, and its retry answers at once', async () => {
    const node = await start()
    const org = await bootstrap()
    const root: DfnsApiClient = rootClientFrom(node.baseUrl, org)
    const wallet = await root.wallets.createWallet({ body: { network: 'EthereumSepolia' } })
    const body = {
      kind: 'Transaction' as const,
      transaction: unsignedSepoliaTransfer(parseEther('1')),
      externalId: `interrupted-${randomBytes(4).toString('hex')}`,
    }
    const asked = new Promise<void>((resolve) => {
      priceAsked = resolve
    })
    const lost = root.wallets.generateSignature({ walletId: wallet.id, body }).then(
      () => assert.fail('the node was killed before answering'),
      (err: Error) => err,
    )
    await asked // stored Executing, waiting on the price of ETH
    await kill9(node)
    await lost

    const next = await start()
    const root2 = rootClientFrom(next.baseUrl, org)
    // A retry with the externalId answers with the request as it stands (its lease may still run).
    const retried = await root2.wallets.generateSignature({ walletId: wallet.id, body })
    assert.ok(['Executing', 'Failed'].includes(retried.status), retried.status)
    // No client does anything more: the node's sweep ends it once its lease has run out.
    let current = await root2.wallets.getSignature({ walletId: wallet.id, signatureId: retried.id })
    while (current.status === 'Executing') {
      await sleep(500)
      current = await root2.wallets.getSignature({ walletId: wallet.id, signatureId: retried.id })
    }
    assert.equal(current.status, 'Failed')
    assert.match(current.reason ?? '', /interrupted/)
    assert.equal(current.signature, undefined)
    const again = await root2.wallets.generateSignature({ walletId: wallet.id, body })
    assert.deepEqual(again, current)
    await kill9(next)
  })
})
