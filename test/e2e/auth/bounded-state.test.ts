import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { AsymmetricKeySigner } from '@dfns/sdk-keysigner'
import { testDialect } from '../../helpers/database.ts'
import {
  assertErrorBody,
  obtainUserAction,
  rawRequest,
  startWalletd,
  type TestUser,
  type Walletd,
} from '../../helpers/sdk.ts'

const FIFTEEN_MINUTES = 15 * 60_000

/** Unanswered auth state expires, is purged, and nobody can pile it up. */
describe(`bounded auth state (${testDialect})`, () => {
  let w: Walletd
  let rootToken: string
  before(async () => {
    w = await startWalletd()
    rootToken = w.bootstrap.serviceAccount.accessToken
  })
  after(() => w.close())

  const rows = async (table: 'auth_challenges' | 'user_actions') => {
    const row = await w.database.db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .executeTakeFirstOrThrow()
    return Number(row.n)
  }
  const loginInit = (username: string) =>
    rawRequest(w.baseUrl, { method: 'POST', path: '/auth/login/init', body: { username, orgId: w.orgId } })
  const actionInit = (payload: string) =>
    rawRequest(w.baseUrl, {
      method: 'POST',
      path: '/auth/action/init',
      token: rootToken,
      body: {
        userActionPayload: payload,
        userActionHttpMethod: 'POST',
        userActionHttpPath: '/wallets',
        userActionServerKind: 'Api',
      },
    })

  it('one user holds at most 10 open login challenges: the oldest is dropped, the newest answers', async () => {
    const user = await w.newUser()
    const issued = []
    for (let i = 0; i < 11; i++) {
      issued.push((await loginInit(user.username)).body)
      w.clock.advance(1) // "oldest" is by issue time (millisecond resolution)
    }
    const answer = async (challenge: { challenge: string; challengeIdentifier: string }) =>
      rawRequest(w.baseUrl, {
        method: 'POST',
        path: '/auth/login',
        body: {
          challengeIdentifier: challenge.challengeIdentifier,
          firstFactor: await user.signer.sign(challenge as never),
        },
      })
    assertErrorBody(await answer(issued[0]), 400, /Challenge token is not valid/)
    assert.equal((await answer(issued[10])).status, 200)
  })

  it('one client address holds at most 50 open login challenges (429 with Retry-After), until they expire', async () => {
    const users: TestUser[] = []
    for (let i = 0; i < 6; i++) users.push(await w.newUser())
    let refused: Awaited<ReturnType<typeof loginInit>> | undefined
    let opened = 0
    for (const user of users) {
      for (let i = 0; i < 10 && !refused; i++) {
        const response = await loginInit(user.username)
        if (response.status === 200) opened++
        else refused = response
      }
    }
    assert.ok(refused, 'expected a 429')
    assertErrorBody(refused, 429, /unanswered login or registration challenges/)
    assert.ok(opened >= 40 && opened <= 50, `opened ${opened}`)
    assert.ok(Number(refused.headers.get('retry-after')) > 0)

    w.clock.advance(FIFTEEN_MINUTES + 1000)
    assert.equal((await loginInit(users[0]!.username)).status, 200)
  })

  it('one token holds at most 100 open user-action challenges, and at most 16 Mi characters of payload', async () => {
    w.clock.advance(FIFTEEN_MINUTES + 1000)
    let status = 200
    let count = 0
    while (status === 200 && count < 200) {
      const response = await actionInit('{}')
      status = response.status
      if (status === 200) count++
      else assertErrorBody(response, 429, /unanswered user-action challenges/)
    }
    assert.equal(count, 100)

    w.clock.advance(FIFTEEN_MINUTES + 1000)
    const big = `{"x":"${'a'.repeat(1_000_000)}"}`
    let accepted = 0
    for (;;) {
      const response = await actionInit(big)
      if (response.status !== 200) {
        assertErrorBody(response, 429, /characters of payload/)
        break
      }
      accepted++
      assert.ok(accepted <= 17, 'the payload cap never refused')
    }
    assert.equal(accepted, 16)
  })

  it('the sweep deletes expired challenges and unused userAction tokens, and keeps the audit records', async () => {
    const used = await w.root.wallets.createWallet({ body: { network: 'Base' } })
    assert.ok(used.id)
    // A userAction token obtained and never used.
    const signer = new AsymmetricKeySigner({
      credId: w.bootstrap.serviceAccount.credId,
      privateKey: w.bootstrap.serviceAccount.privateKey,
    })
    await obtainUserAction(w.baseUrl, rootToken, signer, {
      method: 'POST',
      path: '/wallets',
      payload: '{"network":"Base"}',
    })
    const unused = await w.database.db
      .selectFrom('user_actions')
      .select('id')
      .where('used_at', 'is', null)
      .execute()
    assert.equal(unused.length, 1)
    assert.ok((await rows('auth_challenges')) > 0)

    w.clock.advance(FIFTEEN_MINUTES + 1000)
    const purged = await w.app.walletd.auth.purgeExpired()
    assert.ok(purged.challenges > 0)
    assert.equal(purged.userActions, 1)
    assert.equal(await rows('auth_challenges'), 0)
    // What remains are the audit records of user actions that were performed.
    const left = await w.database.db.selectFrom('user_actions').select('used_at').execute()
    assert.ok(left.length > 0)
    assert.ok(left.every((r) => r.used_at !== null))
    assert.deepEqual(await w.app.walletd.auth.purgeExpired(), {
      challenges: 0,
      userActions: 0,
      tokens: 0,
      codes: 0,
    })
  })
})

describe(`routes without a token keep a per-address rate limit when org limits are off (${testDialect})`, () => {
  let w: Walletd
  before(async () => {
    w = await startWalletd()
  })
  after(() => w.close())

  it('the default is 300 requests a minute per address; the next is 429 with Retry-After', async () => {
    assert.equal(w.config.defaultRateLimit, 0)
    assert.equal(w.config.publicRateLimit, 300)
    for (let i = 0; i < 300; i++) {
      const response = await rawRequest(w.baseUrl, {
        method: 'POST',
        path: '/auth/login/init',
        body: { username: 'nobody@example.com', orgId: w.orgId },
      })
      assert.equal(response.status, 401, `request ${i}: ${JSON.stringify(response.body)}`)
    }
    const limited = await rawRequest(w.baseUrl, {
      method: 'POST',
      path: '/auth/login/init',
      body: { username: 'nobody@example.com', orgId: w.orgId },
    })
    assertErrorBody(limited, 429)
    assert.ok(Number(limited.headers.get('retry-after')) > 0)
    // Authenticated routes are not counted against it (their org has no limit).
    const list = await rawRequest(w.baseUrl, {
      method: 'GET',
      path: '/auth/users',
      token: w.bootstrap.serviceAccount.accessToken,
    })
    assert.equal(list.status, 200)
  })
})
