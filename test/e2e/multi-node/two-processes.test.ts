/**
 * Two real `walletd start` processes on one database (and one Redis) behave as one service.
 *
 * On PostgreSQL (WALLETD_TEST_DATABASE_URL set, as in CI) each node has its own data dir and both
 * share a fresh schema and the Redis at WALLETD_TEST_REDIS_URL (default redis://127.0.0.1:6379);
 * Redis being unreachable there is a failure, not a skip. On SQLite both processes open the same
 * database file; the shared rate limit still needs Redis and is skipped, with the reason, only
 * when no Redis answers.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { AsymmetricKeySigner } from '@dfns/sdk-keysigner'
import { Redis } from 'ioredis'
import { createTestDatabase, type TestDatabase, testDialect } from '../../helpers/database.ts'
import { obtainUserAction, rawRequest } from '../../helpers/sdk.ts'
import { type RunningWalletd, runCli, startWalletd } from '../../helpers/walletd-process.ts'

const redisUrl = process.env.WALLETD_TEST_REDIS_URL || 'redis://127.0.0.1:6379'

async function redisAnswers(url: string): Promise<boolean> {
  const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null })
  probe.on('error', () => {})
  try {
    await probe.connect()
    return (await probe.ping()) === 'PONG'
  } catch {
    return false
  } finally {
    probe.disconnect()
  }
}

interface Org {
  orgId: string
  serviceAccount: { userId: string; tokenId: string; credId: string; accessToken: string; privateKey: string }
}

describe(`two walletd processes, one truth (${testDialect})`, () => {
  const dirs: string[] = []
  let database: TestDatabase | undefined
  let hasRedis = false
  let nodes: RunningWalletd[] = []
  /** Flags that point a CLI run at the shared database. */
  let storage: (node: number) => string[]
  const env = { WALLETD_MASTER_KEY: randomBytes(32).toString('hex'), WALLETD_LOG_LEVEL: 'warn' }

  before(async () => {
    hasRedis = await redisAnswers(redisUrl)
    if (testDialect === 'postgres' && !hasRedis) {
      throw new Error(`Redis at ${redisUrl} does not answer; the multi-node tests need it on PostgreSQL`)
    }
    for (let i = 0; i < 2; i++) dirs.push(fs.mkdtempSync(path.join(os.tmpdir(), `walletd-node${i}-`)))
    if (testDialect === 'postgres') {
      // An empty schema: the two nodes' first start runs the migrations.
      database = await createTestDatabase({ migrate: false })
      storage = (i) => ['--data-dir', dirs[i]!, '--database-url', database!.databaseUrl!]
    } else {
      storage = () => ['--data-dir', dirs[0]!]
    }
  })
  after(async () => {
    await Promise.all(nodes.map((n) => n.stop()))
    await database?.dispose()
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true })
  })

  const bootstrap = async (): Promise<Org> => {
    const out = await runCli(['bootstrap', '--json', ...storage(0)], env)
    assert.equal(out.code, 0, out.stderr)
    return JSON.parse(out.stdout) as Org
  }

  it('both start at the same instant on an empty database; the migrations ran exactly once, one org was bootstrapped', async () => {
    const redisFlags = hasRedis ? ['--redis-url', redisUrl] : []
    const started = await Promise.allSettled(
      [0, 1].map((i) => startWalletd([...storage(i), ...redisFlags], env)),
    )
    // Keep every node that did start, so `after` stops it even when the other failed: a node left
    // running would keep this test file from ever ending.
    nodes = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []))
    for (const s of started) if (s.status === 'rejected') throw s.reason
    for (const node of nodes) assert.equal((await fetch(`${node.baseUrl}/readyz`)).status, 200)
    // The first-start bootstrap is claimed by exactly one node (on SQLite both share one data dir).
    const written = new Set(dirs.filter((d) => fs.existsSync(path.join(d, 'bootstrap.json'))))
    assert.equal(written.size, 1)
    const probe = database?.openAnother()
    if (probe) {
      try {
        const orgs = await probe.db.selectFrom('orgs').select('id').execute()
        assert.equal(orgs.length, 1)
      } finally {
        await probe.close()
      }
    }
    const migrate = await runCli(['migrate', ...storage(0)], env)
    assert.equal(migrate.code, 0, migrate.stderr)
    assert.equal(migrate.stdout, 'database is up to date\n')
  })

  it('a user action consumed on one node is refused on the other', async () => {
    const org = await bootstrap()
    const signer = new AsymmetricKeySigner({
      credId: org.serviceAccount.credId,
      privateKey: org.serviceAccount.privateKey,
    })
    const token = org.serviceAccount.accessToken
    const body = JSON.stringify({ name: 'made across nodes', operations: ['Wallets:Read'] })
    // Issued and signed on node 0, used on node 1, replayed on node 0.
    const userAction = await obtainUserAction(nodes[0]!.baseUrl, token, signer, {
      method: 'POST',
      path: '/permissions',
      payload: body,
    })
    const send = (node: RunningWalletd) =>
      rawRequest(node.baseUrl, { method: 'POST', path: '/permissions', token, userAction, body })
    const used = await send(nodes[1]!)
    assert.equal(used.status, 200, JSON.stringify(used.body))
    const replayed = await send(nodes[0]!)
    assert.equal(replayed.status, 400, JSON.stringify(replayed.body))
    assert.equal(replayed.body.error.message, 'user action has already been used')
    const again = await send(nodes[1]!)
    assert.equal(again.status, 400)
  })

  it('ids never collide: concurrent creates on both nodes; one assignment wins, the other learns which', async () => {
    const org = await bootstrap()
    const signer = new AsymmetricKeySigner({
      credId: org.serviceAccount.credId,
      privateKey: org.serviceAccount.privateKey,
    })
    const token = org.serviceAccount.accessToken
    const signed = async (node: RunningWalletd, method: 'POST', urlPath: string, payload: unknown) => {
      const body = JSON.stringify(payload)
      const userAction = await obtainUserAction(node.baseUrl, token, signer, {
        method,
        path: urlPath,
        payload: body,
      })
      return rawRequest(node.baseUrl, { method, path: urlPath, token, userAction, body })
    }
    const created = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        signed(nodes[i % 2]!, 'POST', '/permissions', { name: `p-${i}`, operations: ['Wallets:Read'] }),
      ),
    )
    assert.deepEqual(
      created.map((r) => r.status),
      created.map(() => 200),
    )
    const ids = created.map((r) => r.body.id as string)
    assert.equal(new Set(ids).size, ids.length)
    const listed = await rawRequest(nodes[0]!.baseUrl, {
      method: 'GET',
      path: '/permissions?limit=500',
      token,
    })
    for (const id of ids)
      assert.ok(
        listed.body.items.some((p: { id: string }) => p.id === id),
        id,
      )

    const target = `/permissions/${ids[0]}/assignments`
    const both = await Promise.all(
      nodes.map((node) => signed(node, 'POST', target, { identityId: org.serviceAccount.userId })),
    )
    const statuses = both.map((r) => r.status).sort()
    assert.deepEqual(statuses, [200, 409], JSON.stringify(both.map((r) => r.body)))
    const winner = both.find((r) => r.status === 200)!.body
    const loser = both.find((r) => r.status === 409)!.body
    assert.equal(loser.error.details.existingAssignment.id, winner.id)
  })

  it('the rate limit is shared: the N+1th request over the quota, across both nodes, is the only 429', async (t) => {
    if (!hasRedis) {
      t.skip(`no Redis answers at ${redisUrl}: each node would count alone`)
      return
    }
    const org = await bootstrap()
    const quota = 6
    const plan = await runCli(
      ['org', 'plan', org.orgId, '--rate-limit', String(quota), '--json', ...storage(0)],
      env,
    )
    assert.equal(plan.code, 0, plan.stderr)
    assert.equal(JSON.parse(plan.stdout).rateLimitPerMinute, quota)

    const token = org.serviceAccount.accessToken
    const statuses: number[] = []
    const remaining: (string | null)[] = []
    for (let i = 0; i <= quota; i++) {
      const response = await rawRequest(nodes[i % 2]!.baseUrl, { method: 'GET', path: '/permissions', token })
      statuses.push(response.status)
      remaining.push(response.headers.get('x-ratelimit-remaining'))
    }
    assert.deepEqual(statuses, [...Array.from({ length: quota }, () => 200), 429])
    assert.deepEqual(remaining, ['5', '4', '3', '2', '1', '0', '0'])
  })
})
