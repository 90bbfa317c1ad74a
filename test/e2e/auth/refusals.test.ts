import assert from 'node:assert/strict'
import { generateKeyPairSync } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { DfnsApiClient, type DfnsError } from '@dfns/sdk'
import { AsymmetricKeySigner } from '@dfns/sdk-keysigner'
import { CompactSign } from 'jose'
import { testDialect } from '../../helpers/database.ts'
import {
  assertErrorBody,
  KeyCredentialSigner,
  newKey,
  obtainUserAction,
  rawRequest,
  startWalletd,
  type Walletd,
} from '../../helpers/sdk.ts'

const UA_INVALID = 'user action signature is missing or invalid'
const UA_USED = 'user action has already been used'
const status = (code: number) => (err: DfnsError) => err.httpStatus === code

/** Every way authentication and user-action signing refuse a request, with the whole error body. */
describe(`authentication and user-action refusals (${testDialect})`, () => {
  let w: Walletd
  let rootToken: string
  const rootSigner = () =>
    new AsymmetricKeySigner({
      credId: w.bootstrap.serviceAccount.credId,
      privateKey: w.bootstrap.serviceAccount.privateKey,
    })
  before(async () => {
    w = await startWalletd()
    rootToken = w.bootstrap.serviceAccount.accessToken
  })
  after(() => w.close())

  const get = (token?: string, path = '/auth/service-accounts') =>
    rawRequest(w.baseUrl, { method: 'GET', path, ...(token === undefined ? {} : { token }) })

  describe('401', () => {
    it('no token', async () => {
      assertErrorBody(await get(), 401, /Authorization header is missing/)
      const anonymous = new DfnsApiClient({ baseUrl: w.baseUrl })
      await assert.rejects(anonymous.auth.listServiceAccounts(), status(401))
    })

    it('HEAD is authenticated like the GET it mirrors', async () => {
      assert.equal((await rawRequest(w.baseUrl, { method: 'HEAD', path: '/auth/users' })).status, 401)
      assert.equal(
        (await rawRequest(w.baseUrl, { method: 'HEAD', path: '/auth/users', token: rootToken })).status,
        200,
      )
    })

    it('malformed token', async () => {
      for (const token of ['abc', 'a.b', 'a.b.c', '...', 'eyJhbGciOiJFUzI1NiJ9.bm90IGpzb24.c2ln']) {
        assertErrorBody(await get(token), 401, /malformed/)
      }
      const basic = await rawRequest(w.baseUrl, {
        method: 'GET',
        path: '/auth/service-accounts',
        headers: { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` },
      })
      assertErrorBody(basic, 401, /Bearer/)
    })

    it('bad signature: a tampered payload, and a token signed by another key', async () => {
      const [header, payload, signature] = rootToken.split('.')
      const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString())
      claims.exp += 86_400
      const tampered = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`
      assertErrorBody(await get(tampered), 401, 'Bearer token signature is invalid.')

      const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
      const forged = await new CompactSign(Buffer.from(payload!, 'base64url'))
        .setProtectedHeader(JSON.parse(Buffer.from(header!, 'base64url').toString()))
        .sign(privateKey)
      assertErrorBody(await get(forged), 401, 'Bearer token signature is invalid.')
    })

    it('expired token (the clock moves past exp)', async () => {
      const key = newKey()
      const pat = await w.root.auth.createPersonalAccessToken({
        body: { name: 'short-lived', publicKey: key.publicKey, secondsValid: 60 },
      })
      assert.equal((await get(pat.accessToken)).status, 200)
      w.clock.advance(61_000)
      assertErrorBody(await get(pat.accessToken), 401, /Bearer token expired at /)
    })

    it('token of another region names the host to use', async () => {
      const eu = await startWalletd({ config: { region: 'eu-test' } })
      try {
        const response = await get(eu.bootstrap.serviceAccount.accessToken)
        assertErrorBody(response, 401, /issued by region "eu-test"/)
        assert.ok(response.body.error.message.includes(eu.baseUrl), response.body.error.message)
        assert.equal(response.body.error.details.host, eu.baseUrl)
        // And the other way round.
        const back = await rawRequest(eu.baseUrl, { method: 'GET', path: '/auth/apps', token: rootToken })
        assertErrorBody(back, 401, new RegExp(`region "local".*${w.baseUrl.replaceAll('.', '\\.')}`))
      } finally {
        await eu.close()
      }
    })

    it('revoked: deactivated or archived service account, PAT, user — at once, and back on activation', async () => {
      const sa = await w.newServiceAccount()
      await sa.client.auth.listServiceAccounts()
      await w.root.auth.deactivateServiceAccount({ serviceAccountId: sa.userId, body: {} })
      assertErrorBody(await get(sa.accessToken), 401, /revoked/)
      await w.root.auth.activateServiceAccount({ serviceAccountId: sa.userId })
      assert.equal((await get(sa.accessToken)).status, 200)
      await w.root.auth.archiveServiceAccount({ serviceAccountId: sa.userId })
      assertErrorBody(await get(sa.accessToken), 401, /revoked/)

      const pat = await w.newPat()
      await w.root.auth.deactivatePersonalAccessToken({ tokenId: pat.tokenId })
      assertErrorBody(await get(pat.accessToken), 401, /revoked/)
      await w.root.auth.activatePersonalAccessToken({ tokenId: pat.tokenId })
      assert.equal((await get(pat.accessToken)).status, 200)
      await w.root.auth.archivePersonalAccessToken({ tokenId: pat.tokenId })
      assertErrorBody(await get(pat.accessToken), 401, /revoked/)

      const user = await w.newUser()
      await user.client.auth.listUserCredentials()
      await w.root.auth.deactivateUser({ userId: user.userId })
      assertErrorBody(await get(user.token, '/auth/credentials'), 401, /revoked/)
      await w.root.auth.activateUser({ userId: user.userId })
      assert.equal((await get(user.token, '/auth/credentials')).status, 200)
      await w.root.auth.archiveUser({ userId: user.userId })
      assertErrorBody(await get(user.token, '/auth/credentials'), 401, /revoked/)
    })

    it('a challenge answered with a credential that is not allowed', async () => {
      const alice = await w.newUser()
      const mallory = await w.newUser()
      // Login: Alice's challenge answered with Mallory's credential.
      const init = await rawRequest(w.baseUrl, {
        method: 'POST',
        path: '/auth/login/init',
        body: { orgId: w.orgId, username: alice.username },
      })
      assert.equal(init.status, 200)
      const asMallory = await mallory.signer.sign({
        ...init.body,
        allowCredentials: { key: [{ type: 'public-key', id: mallory.signer.credId }], webauthn: [] },
      })
      const login = await rawRequest(w.baseUrl, {
        method: 'POST',
        path: '/auth/login',
        body: { challengeIdentifier: init.body.challengeIdentifier, firstFactor: asMallory },
      })
      assertErrorBody(
        login,
        401,
        `Credential ${mallory.signer.credId} is not allowed to answer this challenge.`,
      )

      // User action: root's challenge answered with a service account's key.
      const sa = await w.newServiceAccount()
      const uaInit = await rawRequest(w.baseUrl, {
        method: 'POST',
        path: '/auth/action/init',
        token: rootToken,
        body: {
          userActionPayload: '{}',
          userActionHttpMethod: 'PUT',
          userActionHttpPath: '/auth/users/x/activate',
        },
      })
      const saSigner = new AsymmetricKeySigner({ credId: sa.credId, privateKey: sa.key.privateKey })
      const assertion = await saSigner.sign({
        ...uaInit.body,
        allowCredentials: { key: [{ type: 'public-key', id: sa.credId }], webauthn: [] },
      })
      const answered = await rawRequest(w.baseUrl, {
        method: 'POST',
        path: '/auth/action',
        token: rootToken,
        body: { challengeIdentifier: uaInit.body.challengeIdentifier, firstFactor: assertion },
      })
      assertErrorBody(answered, 401, /is not allowed to answer this challenge/)

      // The allowed credId with a signature by another key.
      const impostor = new KeyCredentialSigner(newKey(), w.bootstrap.serviceAccount.credId)
      const badSig = await impostor.sign(uaInit.body)
      const wrongKey = await rawRequest(w.baseUrl, {
        method: 'POST',
        path: '/auth/action',
        token: rootToken,
        body: { challengeIdentifier: uaInit.body.challengeIdentifier, firstFactor: badSig },
      })
      assertErrorBody(wrongKey, 401, /Signature does not verify/)
    })
  })

  describe('challenges and registration', () => {
    const loginInit = (username: string) =>
      rawRequest(w.baseUrl, { method: 'POST', path: '/auth/login/init', body: { orgId: w.orgId, username } })

    it('a challenge is answered once, and only within 15 minutes', async () => {
      const user = await w.newUser()
      const init = await loginInit(user.username)
      const firstFactor = await user.signer.sign(init.body)
      const answer = () =>
        rawRequest(w.baseUrl, {
          method: 'POST',
          path: '/auth/login',
          body: { challengeIdentifier: init.body.challengeIdentifier, firstFactor },
        })
      assert.equal((await answer()).status, 200)
      assertErrorBody(await answer(), 400, 'Challenge token is not valid: it has already been answered.')

      const late = await loginInit(user.username)
      w.clock.advance(15 * 60_000 + 1)
      const lateAnswer = await rawRequest(w.baseUrl, {
        method: 'POST',
        path: '/auth/login',
        body: {
          challengeIdentifier: late.body.challengeIdentifier,
          firstFactor: await user.signer.sign(late.body),
        },
      })
      assertErrorBody(lateAnswer, 400, /Challenge token is not valid: it expired at/)
    })

    it('unknown users, wrong registration codes and misused temporary tokens are refused', async () => {
      assertErrorBody(await loginInit('nobody@example.com'), 401, 'User not found')
      const created = await w.root.auth.createUser({
        body: { email: 'code@example.com', kind: 'CustomerEmployee' },
      })
      const wrongCode = await rawRequest(w.baseUrl, {
        method: 'POST',
        path: '/auth/registration/init',
        body: { orgId: w.orgId, username: 'code@example.com', registrationCode: 'WRONG' },
      })
      assertErrorBody(wrongCode, 400, 'Registration code is not valid for this user.')
      // Registered no credential yet: nothing can answer a login challenge.
      assertErrorBody(await loginInit('code@example.com'), 401, /does not have a credential/)

      const init = await rawRequest(w.baseUrl, {
        method: 'POST',
        path: '/auth/registration/init',
        body: {
          orgId: w.orgId,
          username: 'code@example.com',
          registrationCode: (created as unknown as { registrationCode: string }).registrationCode,
        },
      })
      assert.equal(init.status, 200)
      const temp = init.body.temporaryAuthenticationToken as string
      assertErrorBody(await get(temp), 401, /temporaryAuthenticationToken can only complete registration/)
      const asRegistration = await rawRequest(w.baseUrl, {
        method: 'POST',
        path: '/auth/registration',
        token: rootToken,
        body: { firstFactorCredential: await new KeyCredentialSigner().create(init.body) },
      })
      assertErrorBody(asRegistration, 401, /temporaryAuthenticationToken/)
    })
  })

  describe('user actions', () => {
    const path = '/auth/users'
    const body = () => ({
      email: `ua-${Math.random().toString(36).slice(2)}@example.com`,
      kind: 'CustomerEmployee',
    })

    it('missing → 403', async () => {
      const response = await rawRequest(w.baseUrl, { method: 'POST', path, token: rootToken, body: body() })
      assertErrorBody(response, 403, UA_INVALID)
      const garbage = await rawRequest(w.baseUrl, {
        method: 'POST',
        path,
        token: rootToken,
        userAction: 'nope',
        body: body(),
      })
      assertErrorBody(garbage, 403, UA_INVALID)
    })

    it('replayed → 400', async () => {
      const payload = JSON.stringify(body())
      const userAction = await obtainUserAction(w.baseUrl, rootToken, rootSigner(), {
        method: 'POST',
        path,
        payload,
      })
      const first = await rawRequest(w.baseUrl, {
        method: 'POST',
        path,
        token: rootToken,
        userAction,
        body: payload,
      })
      assert.equal(first.status, 200, JSON.stringify(first.body))
      assertErrorBody(
        await rawRequest(w.baseUrl, { method: 'POST', path, token: rootToken, userAction, body: payload }),
        400,
        UA_USED,
      )
    })

    it('for another body, path, method or caller → 403', async () => {
      const payload = JSON.stringify(body())
      const ua = () => obtainUserAction(w.baseUrl, rootToken, rootSigner(), { method: 'POST', path, payload })
      const otherBody = await rawRequest(w.baseUrl, {
        method: 'POST',
        path,
        token: rootToken,
        userAction: await ua(),
        body: body(),
      })
      assertErrorBody(otherBody, 403, UA_INVALID)
      assert.match(otherBody.body.error.details.reason, /another body/)

      const otherPath = await rawRequest(w.baseUrl, {
        method: 'POST',
        path: '/auth/service-accounts',
        token: rootToken,
        userAction: await ua(),
        body: payload,
      })
      assertErrorBody(otherPath, 403, UA_INVALID)

      const sa = await w.newServiceAccount()
      const otherMethod = await rawRequest(w.baseUrl, {
        method: 'PUT',
        path: `/auth/service-accounts/${sa.userId}`,
        token: rootToken,
        userAction: await obtainUserAction(w.baseUrl, rootToken, rootSigner(), {
          method: 'DELETE',
          path: `/auth/service-accounts/${sa.userId}`,
          payload: '{}',
        }),
        body: '{}',
      })
      assertErrorBody(otherMethod, 403, UA_INVALID)
      assert.match(otherMethod.body.error.details.reason, /another method/)

      const otherCaller = await rawRequest(w.baseUrl, {
        method: 'POST',
        path,
        token: sa.accessToken,
        userAction: await ua(),
        body: payload,
      })
      assertErrorBody(otherCaller, 403, UA_INVALID)
      assert.match(otherCaller.body.error.details.reason, /another caller/)
    })

    it('a path signed with its query (the delegated client) binds the query too', async () => {
      const sa = await w.newServiceAccount()
      const path = `/auth/service-accounts/${sa.userId}`
      const signedWithQuery = () =>
        obtainUserAction(w.baseUrl, rootToken, rootSigner(), {
          method: 'DELETE',
          path: `${path}?force=true`,
          payload: '{}',
        })
      const otherQuery = await rawRequest(w.baseUrl, {
        method: 'DELETE',
        path: `${path}?force=false`,
        token: rootToken,
        userAction: await signedWithQuery(),
        body: '{}',
      })
      assertErrorBody(otherQuery, 403, UA_INVALID)
      const same = await rawRequest(w.baseUrl, {
        method: 'DELETE',
        path: `${path}?force=true`,
        token: rootToken,
        userAction: await signedWithQuery(),
        body: '{}',
      })
      assert.equal(same.status, 200, JSON.stringify(same.body))
      assert.equal(same.body.userInfo.isActive, false)
    })

    it('expires after five minutes', async () => {
      const payload = JSON.stringify(body())
      const userAction = await obtainUserAction(w.baseUrl, rootToken, rootSigner(), {
        method: 'POST',
        path,
        payload,
      })
      w.clock.advance(5 * 60_000 + 1)
      const late = await rawRequest(w.baseUrl, {
        method: 'POST',
        path,
        token: rootToken,
        userAction,
        body: payload,
      })
      assertErrorBody(late, 403, UA_INVALID)
      assert.match(late.body.error.details.reason, /expired/)
    })

    it('GET never needs one', async () => {
      const response = await rawRequest(w.baseUrl, {
        method: 'GET',
        path: '/auth/users',
        token: rootToken,
        userAction: 'ignored',
      })
      assert.equal(response.status, 200)
    })
  })
})

describe(`a user action sent to two nodes at the same instant is used once (${testDialect})`, () => {
  it('exactly one node accepts it', async () => {
    const w = await startWalletd({ multiNode: true })
    try {
      const other = await w.startNode()
      const token = w.bootstrap.serviceAccount.accessToken
      const signer = new AsymmetricKeySigner({
        credId: w.bootstrap.serviceAccount.credId,
        privateKey: w.bootstrap.serviceAccount.privateKey,
      })
      for (let round = 0; round < 8; round++) {
        const payload = JSON.stringify({ email: `race-${round}@example.com`, kind: 'CustomerEmployee' })
        const userAction = await obtainUserAction(w.baseUrl, token, signer, {
          method: 'POST',
          path: '/auth/users',
          payload,
        })
        const send = (baseUrl: string) =>
          rawRequest(baseUrl, { method: 'POST', path: '/auth/users', token, userAction, body: payload })
        const results = await Promise.all([
          send(w.baseUrl),
          send(other.baseUrl),
          send(w.baseUrl),
          send(other.baseUrl),
        ])
        const statuses = results.map((r) => r.status).sort()
        assert.deepEqual(statuses, [200, 400, 400, 400], JSON.stringify(results.map((r) => r.body)))
        for (const r of results.filter((x) => x.status === 400)) assertErrorBody(r, 400, UA_USED)
      }
    } finally {
      await w.close()
    }
  })
})
