import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { DfnsApiClient } from '@dfns/sdk'
import { AsymmetricKeySigner } from '@dfns/sdk-keysigner'
import { createPublicClient, http } from 'viem'
import { privateKeyToAddress } from 'viem/accounts'
import { createDevChain, type DevChain } from '../../../src/chains/dev-chain/supervisor.ts'
import { createTestApp, type TestApp } from '../../helpers/app.ts'
import { testDialect } from '../../helpers/database.ts'
import { newKey } from '../../helpers/sdk.ts'
import { BALANCE, EVM_KEY, type Seeded, testSeed } from '../../helpers/seed.ts'

describe(`emulator seed, reset and snapshots over HTTP (${testDialect})`, () => {
  let t: TestApp
  let chain: DevChain | undefined
  let dir: string
  let baseUrl: string
  const saKey = newKey('p256')
  const control = async (method: string, url: string, body?: unknown) => {
    const res = await fetch(`${baseUrl}/emulator${url}`, {
      method,
      headers: {
        authorization: `Bearer ${t.operatorToken}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
    const text = await res.text()
    return { status: res.status, body: text ? JSON.parse(text) : undefined }
  }
  const client = (seeded: Seeded) => {
    const { orgId, serviceAccounts } = seeded.orgs[0]!
    const sa = serviceAccounts[0]!
    return new DfnsApiClient({
      baseUrl,
      orgId,
      authToken: sa.accessToken,
      signer: new AsymmetricKeySigner({ credId: sa.credId, privateKey: saKey.privateKey }),
    })
  }
  let sepolia: ReturnType<typeof createPublicClient>

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'walletd-seed-'))
    chain = createDevChain({
      dataDir: undefined,
      networks: [{ network: 'EthereumSepolia', chainId: 11155111 }],
    })
    chain.start()
    t = await createTestApp({ deps: { devChain: chain } })
    baseUrl = await t.app.listen({ host: '127.0.0.1', port: 0 })
    sepolia = createPublicClient({ transport: http(await chain.rpcUrl('EthereumSepolia')) })
  })
  after(async () => {
    await t.close()
    await chain?.stop()
    fs.rmSync(dir, { recursive: true, force: true })
  })

  it('a seed makes orgs, accounts, users, permissions, policies and fixed-key wallets the SDK sees', async () => {
    const res = await control('POST', '/seed', testSeed(saKey.publicKey))
    assert.equal(res.status, 200, JSON.stringify(res.body))
    const seeded = res.body as Seeded
    const org = seeded.orgs[0]!
    assert.equal(org.wallets[0]!.address, privateKeyToAddress(EVM_KEY))
    const dfns = client(seeded)
    const wallets = await dfns.wallets.listWallets({})
    assert.deepEqual(wallets.items.map((w) => w.id).sort(), org.wallets.map((w) => w.id).sort())
    const policies = await dfns.policies.listPolicies({})
    assert.equal(policies.items.length, 1)
    const rule = policies.items[0] as unknown as { filters: { walletId: { in: string[] } } }
    assert.deepEqual(rule.filters.walletId.in, [org.wallets[0]!.id])
    const user = await dfns.auth.getUser({ userId: org.users[0]!.userId })
    assert.equal(user.username, 'jane@acme.test')
    // The root's credentials work too (a signed write through the SDK).
    const root = new DfnsApiClient({
      baseUrl,
      orgId: org.orgId,
      authToken: org.root.accessToken,
      signer: new AsymmetricKeySigner({ credId: org.root.credId, privateKey: org.root.privateKey }),
    })
    await root.permissions.createPermission({ body: { name: 'extra', operations: ['Wallets:Read'] } })
    if (testDialect === 'sqlite') {
      assert.equal(await sepolia.getBalance({ address: org.wallets[0]!.address as `0x${string}` }), BALANCE)
    }
  })

  it('the same seed applied again gives identical ids, addresses and tokens', async (t2) => {
    if (testDialect === 'postgres') {
      // No snapshots on PostgreSQL: the seed is applied onto the current state, so the same org again is a 409.
      const again = await control('POST', '/seed', testSeed(saKey.publicKey))
      assert.equal(again.status, 409)
      assert.equal(again.body.error.details.field, 'orgs[0].key')
      return t2.skip('identical ids on PostgreSQL are checked on a second database below')
    }
    const first = (await control('POST', '/seed', testSeed(saKey.publicKey))).body as Seeded
    const second = await control('POST', '/seed', testSeed(saKey.publicKey))
    assert.equal(second.status, 200)
    assert.deepEqual(second.body, first)
  })

  it('an invalid seed is a 400 naming its JSON path, and changes nothing', async () => {
    const bad = testSeed(saKey.publicKey)
    bad.orgs[0]!.wallets[1]!.privateKey = 'not-hex'
    const res = await control('POST', '/seed', bad)
    assert.equal(res.status, 400)
    assert.equal(res.body.error.details.field, 'orgs[0].wallets[1].privateKey')
    const unknownPermission = testSeed(saKey.publicKey)
    unknownPermission.orgs[0]!.users[0]!.permissions = ['Nope']
    const ref = await control('POST', '/seed', unknownPermission)
    assert.equal(ref.status, 400)
    assert.equal(ref.body.error.details.field, 'orgs[0].users[0].permissions[0]')
    // Policy bodies are checked by the policies domain as the seed is applied; on PostgreSQL the
    // org (seeded above, no reset there) is refused first.
    if (testDialect === 'postgres') return
    const badPolicy = testSeed(saKey.publicKey)
    ;(badPolicy.orgs[0]!.policies[0]!.rule as { kind: string }).kind = 'Sometimes'
    const policy = await control('POST', '/seed', badPolicy)
    assert.equal(policy.status, 400)
    assert.match(policy.body.error.details.field, /^orgs\[0\]\.policies\[0\]\.rule/)
    // That one failed half-way (the policies domain refused it after the wallets were made): the
    // state is the one before the call, the previous seed's, whose accounts still work.
    const previous = (await control('POST', '/seed', testSeed(saKey.publicKey))).body as Seeded
    await control('POST', '/seed', badPolicy)
    assert.equal((await client(previous).wallets.listWallets({})).items.length, 2)
  })

  it('reset after 100 writes is back to the seed, balances included', async (t2) => {
    if (testDialect === 'postgres') {
      const res = await control('POST', '/reset')
      assert.equal(res.status, 501)
      assert.match(res.body.error.message, /PostgreSQL/)
      return t2.skip('reset needs SQLite')
    }
    const seeded = (await control('POST', '/seed', testSeed(saKey.publicKey))).body as Seeded
    const org = seeded.orgs[0]!
    const treasury = org.wallets[0]!.address as `0x${string}`
    const dfns = client(seeded)
    for (let i = 0; i < 97; i++) {
      await dfns.wallets.createWallet({ body: { network: 'EthereumSepolia', name: `w${i}` } })
    }
    await dfns.permissions.createPermission({ body: { name: 'later', operations: ['Wallets:Read'] } })
    await dfns.auth.createUser({ body: { email: 'later@acme.test', kind: 'CustomerEmployee' } })
    const faucet = await control('POST', '/faucet', {
      network: 'EthereumSepolia',
      address: treasury,
      amount: '1000',
    })
    assert.equal(faucet.status, 200, JSON.stringify(faucet.body))
    assert.equal(await sepolia.getBalance({ address: treasury }), BALANCE + 1000n)
    assert.equal((await dfns.wallets.listWallets({ query: { limit: 500 } })).items.length, 99)

    const reset = await control('POST', '/reset')
    assert.equal(reset.status, 200, JSON.stringify(reset.body))
    assert.equal(reset.body.restored, 'seed')
    // Back to the state saved last (the seed's): only the rows written since are rewritten.
    assert.equal(reset.body.database.copied, 'rows', JSON.stringify(reset.body))
    assert.deepEqual(
      (await dfns.wallets.listWallets({ query: { limit: 500 } })).items.map((w) => w.id).sort(),
      org.wallets.map((w) => w.id).sort(),
    )
    const names = (await dfns.permissions.listPermissions({})).items.map((p) => p.name)
    assert.ok(!names.includes('later'))
    assert.equal(await sepolia.getBalance({ address: treasury }), BALANCE)
    // The mailbox of the discarded state is gone with it.
    assert.deepEqual((await control('GET', '/mailbox?to=later@acme.test')).body.items, [])

    const empty = await control('POST', '/reset', { to: 'empty' })
    assert.equal(empty.body.restored, 'empty')
    const gone = await fetch(`${baseUrl}/wallets`, {
      headers: { authorization: `Bearer ${org.serviceAccounts[0]!.accessToken}` },
    })
    assert.equal(gone.status, 401, 'the seeded token is refused once its account is gone')
    assert.equal(await sepolia.getBalance({ address: treasury }), 0n)
    // Back to the seed: the same token works again.
    await control('POST', '/reset', { to: 'seed' })
    assert.equal((await dfns.wallets.listWallets({})).items.length, 2)
  })

  it('snapshots save and restore database and chain, in any order', async (t2) => {
    if (testDialect === 'postgres') {
      assert.equal((await control('POST', '/snapshots', { name: 'a' })).status, 501)
      return t2.skip('snapshots need SQLite')
    }
    const seeded = (await control('POST', '/seed', testSeed(saKey.publicKey))).body as Seeded
    const dfns = client(seeded)
    const treasury = seeded.orgs[0]!.wallets[0]!.address as `0x${string}`
    const a = await control('POST', '/snapshots', { name: 'a' })
    assert.equal(a.status, 201)
    assert.deepEqual(a.body.networks, ['EthereumSepolia'])
    const extra = await dfns.wallets.createWallet({ body: { network: 'EthereumSepolia' } })
    await control('POST', '/faucet', { network: 'EthereumSepolia', address: treasury, amount: '7' })
    assert.equal((await control('POST', '/snapshots', { name: 'b' })).status, 201)
    await dfns.wallets.createWallet({ body: { network: 'EthereumSepolia' } })

    assert.equal((await control('POST', '/snapshots/a/restore')).status, 200)
    assert.equal((await dfns.wallets.listWallets({})).items.length, 2)
    assert.equal(await sepolia.getBalance({ address: treasury }), BALANCE)
    assert.equal((await control('POST', '/snapshots/b/restore')).status, 200)
    const ids = (await dfns.wallets.listWallets({})).items.map((w) => w.id)
    assert.equal(ids.length, 3)
    assert.ok(ids.includes(extra.id))
    assert.equal(await sepolia.getBalance({ address: treasury }), BALANCE + 7n)

    assert.deepEqual(
      (await control('GET', '/snapshots')).body.items.map((s: { name: string }) => s.name),
      ['a', 'b'],
    )
    assert.equal((await control('DELETE', '/snapshots/a')).status, 204)
    assert.equal((await control('POST', '/snapshots/a/restore')).status, 404)
    assert.equal(
      (await control('POST', '/snapshots', { name: '../escape' })).body.error.details.field,
      'name',
    )
  })

  it('none of the state controls exist in the production profile', async () => {
    const prod = await createTestApp({ config: { profile: 'production' } })
    try {
      for (const [method, url] of [
        ['POST', '/emulator/seed'],
        ['POST', '/emulator/reset'],
        ['GET', '/emulator/snapshots'],
        ['POST', '/emulator/snapshots'],
        ['POST', '/emulator/snapshots/a/restore'],
        ['DELETE', '/emulator/snapshots/a'],
      ] as const) {
        const res = await prod.app.inject({
          method,
          url,
          headers: { authorization: `Bearer ${prod.operatorToken}`, 'content-type': 'application/json' },
          payload: method === 'POST' ? '{}' : undefined,
        })
        assert.equal(res.statusCode, 404, `${method} ${url}`)
      }
    } finally {
      await prod.close()
    }
  })
})

describe(`emulator seed on a second database (${testDialect})`, () => {
  it('gives the same ids and addresses as on the first', async () => {
    const saKey = newKey('p256')
    const results: Seeded[] = []
    for (let i = 0; i < 2; i++) {
      const t = await createTestApp()
      try {
        const seed = await t.app.walletd.emulator!.seed(testSeed(saKey.publicKey, { balance: false }))
        results.push(seed as unknown as Seeded)
      } finally {
        await t.close()
      }
    }
    const shape = (r: Seeded) =>
      r.orgs.map((o) => ({
        orgId: o.orgId,
        root: {
          userId: o.root.userId,
          tokenId: o.root.tokenId,
          credId: o.root.credId,
          privateKey: o.root.privateKey,
        },
        serviceAccounts: o.serviceAccounts.map((s) => ({ ...s, accessToken: undefined })),
        users: o.users,
        wallets: o.wallets,
        permissions: o.permissions,
        policies: o.policies,
      }))
    assert.deepEqual(shape(results[1]!), shape(results[0]!))
  })
})
