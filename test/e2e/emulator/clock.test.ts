import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { PolicyPendingError } from '@dfns/sdk'
import { AsymmetricKeySigner } from '@dfns/sdk-keysigner'
import { keccak256, toHex } from 'viem'
import { createDevChain, type DevChain } from '../../../src/chains/dev-chain/supervisor.ts'
import { testDialect } from '../../helpers/database.ts'
import { countLimitPolicy } from '../../helpers/policies.ts'
import {
  assertErrorBody,
  newKey,
  obtainUserAction,
  rawRequest,
  startWalletd,
  type Walletd,
} from '../../helpers/sdk.ts'
import { startReceiver } from '../../helpers/webhook-receiver.ts'

/** `POST /emulator/clock` moves the time every rule reads: what expires, expires. */
describe(`the emulator's clock (${testDialect})`, () => {
  let w: Walletd
  const operator = (method: 'GET' | 'POST', body?: unknown) =>
    rawRequest(w.baseUrl, { method, path: '/emulator/clock', token: w.operatorToken, body })
  const advance = async (seconds: number) => {
    const res = await operator('POST', { advanceSeconds: seconds })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    return res.body.now as string
  }
  before(async () => {
    w = await startWalletd()
  })
  after(() => w.close())

  it('advances by seconds and sets a later time; GET tells it', async () => {
    const start = Date.parse((await operator('GET')).body.now)
    assert.equal(Date.parse(await advance(90.5)), start + 90_500)
    const target = new Date(start + 86_400_000).toISOString()
    const set = await operator('POST', { setTo: target })
    assert.equal(set.status, 200, JSON.stringify(set.body))
    assert.equal(set.body.now, target)
    assert.equal((await operator('GET')).body.now, target)
    assert.equal(w.clock.now().toISOString(), target, 'the one clock every domain reads')
  })

  it('refuses to go backwards or a body without exactly one move, naming the field (400)', async () => {
    const now = Date.parse((await operator('GET')).body.now)
    const back = await operator('POST', { setTo: new Date(now - 1000).toISOString() })
    assertErrorBody(back, 400, /only moves forward/)
    assert.equal(back.body.error.details.field, 'setTo')
    for (const body of [{}, { advanceSeconds: 1, setTo: new Date(now + 1000).toISOString() }]) {
      const res = await operator('POST', body)
      assertErrorBody(res, 400)
      assert.equal(res.body.error.details.field, 'advanceSeconds')
    }
    for (const [body, field] of [
      [{ advanceSeconds: -5 }, 'advanceSeconds'],
      [{ advanceSeconds: 0 }, 'advanceSeconds'],
      [{ advanceSeconds: 'soon' }, 'advanceSeconds'],
      [{ setTo: 'tomorrow' }, 'setTo'],
      [{ advanceSeconds: 1, warp: true }, 'warp'],
    ] as const) {
      const res = await operator('POST', body)
      assertErrorBody(res, 400)
      assert.equal(res.body.error.details.field, field, JSON.stringify(res.body))
    }
    assert.equal(Date.parse((await operator('GET')).body.now), now, 'a refused move moves nothing')
  })

  it('expires a pending approval', async () => {
    const target = await w.root.policies.createPolicy({
      body: {
        name: 'to archive',
        activityKind: 'Wallets:Sign',
        rule: { kind: 'TransactionCountVelocity', configuration: { limit: 3, timeframe: 60 } },
        action: { kind: 'Block' },
      },
    })
    const approver = await w.newUser()
    await w.root.policies.createPolicy({
      body: {
        name: 'guard archive',
        activityKind: 'Policies:Modify',
        rule: { kind: 'AlwaysTrigger' },
        action: {
          kind: 'RequestApproval',
          autoRejectTimeout: 10,
          approvalGroups: [{ quorum: 1, approvers: { userId: { in: [approver.userId] } } }],
        },
        filters: { policyId: { in: [target.id] } },
      },
    })
    let approvalId: string | undefined
    try {
      await w.root.policies.archivePolicy({ policyId: target.id })
    } catch (err) {
      if (!(err instanceof PolicyPendingError)) throw err
      approvalId = (err.context as { approvalId: string }).approvalId
    }
    assert.ok(approvalId, 'expected a 202 with an approval')
    await advance(9 * 60)
    assert.equal((await w.root.policies.getApproval({ approvalId })).status, 'Pending')
    await advance(61)
    assert.equal((await w.root.policies.getApproval({ approvalId })).status, 'Expired')
    assert.equal((await w.root.policies.getPolicy({ policyId: target.id })).status, 'Active')
  })

  it('expires a user action and a bearer token', async () => {
    const token = w.bootstrap.serviceAccount.accessToken
    const signer = new AsymmetricKeySigner({
      credId: w.bootstrap.serviceAccount.credId,
      privateKey: w.bootstrap.serviceAccount.privateKey,
    })
    const payload = JSON.stringify({ email: 'late@example.com', kind: 'CustomerEmployee' })
    const userAction = await obtainUserAction(w.baseUrl, token, signer, {
      method: 'POST',
      path: '/auth/users',
      payload,
    })
    const pat = await w.root.auth.createPersonalAccessToken({
      body: { name: 'short-lived', publicKey: newKey().publicKey, secondsValid: 60 },
    })
    const read = () => rawRequest(w.baseUrl, { method: 'GET', path: '/auth/apps', token: pat.accessToken })
    assert.equal((await read()).status, 200)
    await advance(5 * 60 + 1)
    const late = await rawRequest(w.baseUrl, {
      method: 'POST',
      path: '/auth/users',
      token,
      userAction,
      body: payload,
    })
    assertErrorBody(late, 403)
    assert.match(late.body.error.details.reason, /expired/)
    assertErrorBody(await read(), 401, /Bearer token expired at /)
  })

  it('brings a webhook retry due: the job runner sends it once the clock has moved', async () => {
    const receiver = await startReceiver()
    try {
      receiver.statuses.push(500)
      const hook = await w.root.webhooks.createWebhook({
        body: { url: receiver.url, events: ['wallet.created'] },
      })
      receiver.secret = hook.secret
      await w.root.wallets.createWallet({ body: { network: 'EthereumSepolia' } })
      const first = await receiver.waitFor((r) => r.body.deliveryAttempt === 1)
      assert.equal(first.answeredStatus, 500)
      // walletd's clock is a hand-moved one here: without the move the retry would never be due.
      await advance(61)
      const retry = await receiver.waitFor((r) => r.body.deliveryAttempt === 2)
      assert.equal(retry.body.retryOf, first.body.id)
      assert.equal(retry.answeredStatus, 200)
    } finally {
      await receiver.close()
    }
  })

  it('moves a policy velocity window on', async () => {
    const wallet = await w.root.wallets.createWallet({ body: { network: 'EthereumSepolia' } })
    await w.root.policies.createPolicy({ body: countLimitPolicy(wallet.id, 1) })
    const sign = (label: string) =>
      w.root.wallets.generateSignature({
        walletId: wallet.id,
        body: { kind: 'Hash', hash: keccak256(toHex(label)) },
      })
    assert.equal((await sign('first this hour')).status, 'Signed')
    assert.equal((await sign('one too many')).status, 'Rejected')
    await advance(3601)
    const next = await sign('first of the next hour')
    assert.equal(next.status, 'Signed', next.reason)
  })

  it('starts a new rate-limit window', async () => {
    await w.app.walletd.plans.change(w.orgId, { rateLimitPerMinute: 2 })
    const other = await w.bootstrapOrg()
    const read = () =>
      rawRequest(w.baseUrl, { method: 'GET', path: '/auth/apps', token: other.serviceAccount.accessToken })
    await w.app.walletd.plans.change(other.orgId, { rateLimitPerMinute: 2 })
    assert.equal((await read()).status, 200)
    assert.equal((await read()).status, 200)
    const limited = await read()
    assertErrorBody(limited, 429)
    const reset = Number(limited.headers.get('x-ratelimit-reset'))
    assert.ok(reset * 1000 > w.clock.now().getTime(), 'the reset is on walletd time')
    await advance(61)
    assert.equal((await read()).status, 200)
  })
})

describe(`the emulator's clock moves the dev chain's block time (${testDialect})`, () => {
  let w: Walletd
  let chain: DevChain
  let dir: string
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'walletd-clock-chain-'))
    chain = createDevChain({ dataDir: dir, networks: [{ network: 'EthereumSepolia', chainId: 11155111 }] })
    chain.start()
    w = await startWalletd({ deps: { devChain: chain } })
    await chain.rpcUrl('EthereumSepolia')
  })
  after(async () => {
    await w.close()
    await chain.stop()
    fs.rmSync(dir, { recursive: true, force: true })
  })

  it('the next block is stamped a day later', async () => {
    const rpc = async (method: string, params: unknown[] = []) => {
      const res = await fetch(await chain.rpcUrl('EthereumSepolia'), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
      })
      return ((await res.json()) as { result: unknown }).result
    }
    const stamp = async () =>
      Number(((await rpc('eth_getBlockByNumber', ['latest', false])) as { timestamp: string }).timestamp)
    await rpc('evm_mine')
    const before = await stamp()
    const moved = await rawRequest(w.baseUrl, {
      method: 'POST',
      path: '/emulator/clock',
      token: w.operatorToken,
      body: { advanceSeconds: 86_400 },
    })
    assert.equal(moved.status, 200, JSON.stringify(moved.body))
    await rpc('evm_mine')
    assert.ok((await stamp()) >= before + 86_400, 'the chain moved with the clock')
  })
})
