import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { AsymmetricKeySigner } from '@dfns/sdk-keysigner'
import type { DatabaseHandle } from '../../src/db/database.ts'
import { createUserActionRepository } from '../../src/domains/auth/repositories/user-actions.ts'
import { testDialect } from '../helpers/database.ts'
import {
  assertErrorBody,
  type RawResponse,
  rawRequest,
  startWalletd,
  type TokenIdentity,
  type Walletd,
  type WalletdNode,
} from '../helpers/sdk.ts'

/**
 * The user-action flow in its few statements keeps its guarantees: the init's guarded insert still
 * refuses over the caps (429) and without a credential (401) as before, and storing the answer
 * consumes the challenge, so of concurrent answers (one node or two) exactly one user action is
 * stored.
 */
describe(`user-action challenges, folded statements (${testDialect})`, () => {
  let w: Walletd
  let second: WalletdNode
  let others: DatabaseHandle
  before(async () => {
    w = await startWalletd({ multiNode: true, deps: { runJobs: false } })
    second = await w.startNode({ deps: { runJobs: false } })
    others = w.database.openAnother()
  })
  after(async () => {
    await others.close()
    await second.close()
    await w.close()
  })

  const init = (token: string, payload = '{"network":"Base"}', baseUrl = w.baseUrl) =>
    rawRequest(baseUrl, {
      method: 'POST',
      path: '/auth/action/init',
      token,
      body: {
        userActionPayload: payload,
        userActionHttpMethod: 'POST',
        userActionHttpPath: '/wallets',
        userActionServerKind: 'Api',
      },
    })
  const answer = (baseUrl: string, token: string, challengeIdentifier: string, firstFactor: unknown) =>
    rawRequest(baseUrl, {
      method: 'POST',
      path: '/auth/action',
      token,
      body: { challengeIdentifier, firstFactor },
    })
  /** Stores an answer of `challengeId` by `sa` straight through the repository's guarded insert. */
  const storeAnswer = async (
    sa: TokenIdentity,
    challengeId: string,
    times: { dateCreated: string; expiresAt: string },
    db: DatabaseHandle = w.database,
  ) => {
    const credential = await w.database.db
      .selectFrom('credentials')
      .select('id')
      .where('cred_id', '=', sa.credId)
      .executeTakeFirstOrThrow()
    return createUserActionRepository(db.db).createAnswering({
      id: `ua-${randomBytes(6).toString('hex')}`,
      tokenHash: randomBytes(32).toString('hex'),
      orgId: w.orgId,
      userId: sa.userId,
      tokenId: sa.tokenId,
      credentialUuid: credential.id,
      clientData: 'c',
      signature: 's',
      authenticatorData: null,
      ...times,
      challengeId,
    })
  }
  const signerOf = (sa: TokenIdentity) =>
    new AsymmetricKeySigner({ credId: sa.credId, privateKey: sa.key.privateKey })
  /** A challenge for `sa` and its signed answer, not sent yet. */
  async function signedChallenge(sa: TokenIdentity) {
    const opened = await init(sa.accessToken)
    assert.equal(opened.status, 200, JSON.stringify(opened.body))
    const firstFactor = await signerOf(sa).sign(opened.body)
    return { id: opened.body.challengeIdentifier as string, firstFactor }
  }
  const actionsOf = (challengeId: string) =>
    w.database.db.selectFrom('user_actions').selectAll().where('challenge_id', '=', challengeId).execute()
  const challengeRow = (id: string) =>
    w.database.db.selectFrom('auth_challenges').selectAll().where('id', '=', id).executeTakeFirstOrThrow()
  const setCredentialActive = (credId: string, active: boolean) =>
    w.database.db
      .updateTable('credentials')
      .set({ is_active: active ? 1 : 0 })
      .where('cred_id', '=', credId)
      .execute()

  it('init stores the challenge with the allowed credentials; the answer stores one action bound to it', async () => {
    const sa = await w.newServiceAccount()
    const { id, firstFactor } = await signedChallenge(sa)
    const stored = await challengeRow(id)
    assert.deepEqual(JSON.parse(stored.allowed_cred_ids), [sa.credId])
    assert.equal(stored.used_at, null)
    const answered = await answer(w.baseUrl, sa.accessToken, id, firstFactor)
    assert.equal(answered.status, 200, JSON.stringify(answered.body))
    const [action, ...more] = await actionsOf(id)
    assert.equal(more.length, 0)
    assert.equal(action?.token_id, sa.tokenId)
    assert.equal(action?.payload, '{"network":"Base"}')
    assert.equal(action?.http_path, '/wallets')
    // The insert consumed the challenge (the trigger), at the action's time.
    assert.equal((await challengeRow(id)).used_at, action?.date_created)
    assertErrorBody(await answer(w.baseUrl, sa.accessToken, id, firstFactor), 400, /already been answered/)
  })

  it('two nodes answering one challenge at once: exactly one user action, the other gets 400', async () => {
    const sa = await w.newServiceAccount()
    for (let round = 0; round < 8; round++) {
      const { id, firstFactor } = await signedChallenge(sa)
      const responses = await Promise.all([
        answer(w.baseUrl, sa.accessToken, id, firstFactor),
        answer(second.baseUrl, sa.accessToken, id, firstFactor),
        answer(w.baseUrl, sa.accessToken, id, firstFactor),
      ])
      const won = responses.filter((r) => r.status === 200)
      assert.equal(won.length, 1, JSON.stringify(responses.map((r) => r.body)))
      for (const lost of responses.filter((r: RawResponse) => r.status !== 200)) {
        assertErrorBody(lost, 400, /already been answered/)
      }
      assert.equal((await actionsOf(id)).length, 1)
    }
  })

  it('concurrent inserts of one answer through two connections store it once (unique challenge_id)', async () => {
    const sa = await w.newServiceAccount()
    const { id } = await signedChallenge(sa)
    const now = w.clock.now().toISOString()
    const expiresAt = new Date(w.clock.now().getTime() + 60_000).toISOString()
    const attempt = (db: DatabaseHandle) => storeAnswer(sa, id, { dateCreated: now, expiresAt }, db)
    const outcomes = await Promise.all(
      [w.database, others, w.database, others, others, w.database].map(attempt),
    )
    assert.equal(outcomes.filter(Boolean).length, 1, JSON.stringify(outcomes))
    assert.equal((await actionsOf(id)).length, 1)
  })

  it('the insert itself refuses a credential deactivated, or a challenge expired, after the read', async () => {
    const sa = await w.newServiceAccount()
    const store = (challengeId: string, dateCreated: string) =>
      storeAnswer(sa, challengeId, { dateCreated, expiresAt: dateCreated })
    const { id } = await signedChallenge(sa)
    await setCredentialActive(sa.credId, false)
    assert.equal(await store(id, w.clock.now().toISOString()), false)
    await setCredentialActive(sa.credId, true)
    const expiry = (await challengeRow(id)).expires_at
    assert.equal(await store(id, expiry), false)
    assert.equal((await challengeRow(id)).used_at, null)
    assert.equal(await store(id, w.clock.now().toISOString()), true)
  })

  it('actions stored without a challenge (before the migration) do not collide on the unique index', async () => {
    const row = (id: string) => ({
      id,
      token_hash: randomBytes(32).toString('hex'),
      org_id: w.orgId,
      user_id: 'us-legacy',
      token_id: 'to-legacy',
      http_method: 'POST',
      http_path: '/wallets',
      payload: '{}',
      credential_uuid: 'cr-legacy',
      client_data: 'c',
      signature: 's',
      authenticator_data: null,
      expires_at: '2026-01-01T00:05:00.000Z',
      used_at: null,
      date_created: '2026-01-01T00:00:00.000Z',
    })
    await w.database.db
      .insertInto('user_actions')
      .values([row('ua-legacy-1'), row('ua-legacy-2')])
      .execute()
  })

  it('a deactivated credential cannot answer, an expired challenge cannot be answered', async () => {
    const sa = await w.newServiceAccount()
    const early = await signedChallenge(sa)
    await setCredentialActive(sa.credId, false)
    assertErrorBody(await answer(w.baseUrl, sa.accessToken, early.id, early.firstFactor), 401, /not allowed/)
    await setCredentialActive(sa.credId, true)

    const late = await signedChallenge(sa)
    w.clock.advance(15 * 60_000 + 1000)
    assertErrorBody(await answer(w.baseUrl, sa.accessToken, late.id, late.firstFactor), 400, /expired/)
    assert.equal((await actionsOf(early.id)).length + (await actionsOf(late.id)).length, 0)
  })

  it('another caller cannot answer, even with a valid signature of the right key', async () => {
    const sa = await w.newServiceAccount()
    const other = await w.newServiceAccount()
    const { id, firstFactor } = await signedChallenge(sa)
    assertErrorBody(await answer(w.baseUrl, other.accessToken, id, firstFactor), 400, /another caller/)
    assert.equal((await actionsOf(id)).length, 0)
  })

  it('at the cap of open challenges: 429 with Retry-After and the same details as before', async () => {
    const sa = await w.newServiceAccount()
    for (let i = 0; i < 100; i++) assert.equal((await init(sa.accessToken)).status, 200)
    const refused = await init(sa.accessToken)
    assertErrorBody(
      refused,
      429,
      'This token holds 100 unanswered user-action challenges, the most allowed; answer them or wait for them to expire.',
    )
    assert.equal(refused.body.error.details.limit, 100)
    assert.equal(refused.headers.get('retry-after'), '900')
    assert.equal(refused.body.error.details.retryAfterSeconds, 900)
    const open = await w.database.db
      .selectFrom('auth_challenges')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('token_id', '=', sa.tokenId)
      .executeTakeFirstOrThrow()
    assert.equal(Number(open.n), 100)
  })

  it('without a usable credential: 401 as before, and nothing stored', async () => {
    const sa = await w.newServiceAccount()
    await setCredentialActive(sa.credId, false)
    const refused = await init(sa.accessToken)
    assertErrorBody(refused, 401, 'User does not have a credential that can be used for the application.')
    assert.equal(refused.body.error.details.userId, sa.userId)
    const open = await w.database.db
      .selectFrom('auth_challenges')
      .select('id')
      .where('token_id', '=', sa.tokenId)
      .execute()
    assert.equal(open.length, 0)
  })
})
