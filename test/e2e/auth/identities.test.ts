import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { DfnsApiClient, DfnsAuthenticator, type DfnsError } from '@dfns/sdk'
import { createLocalJWKSet, type JSONWebKeySet, jwtVerify } from 'jose'
import { testDialect } from '../../helpers/database.ts'
import { KeyCredentialSigner, type KeyKind, newKey, startWalletd, type Walletd } from '../../helpers/sdk.ts'

/** The official SDK against a real walletd: service accounts, PATs, users, login, credentials. */
describe(`identities through the official SDK (${testDialect})`, () => {
  let w: Walletd
  before(async () => {
    w = await startWalletd()
  })
  after(() => w.close())

  it('root creates a second service account, which reads and performs a signed write', async () => {
    const sa = await w.newServiceAccount({ name: 'ci-bot' })
    const info = await w.root.auth.getServiceAccount({ serviceAccountId: sa.userId })
    assert.equal(info.userInfo.username, 'ci-bot')
    assert.equal(info.userInfo.isServiceAccount, true)
    assert.equal(info.accessTokens[0]?.accessToken, undefined, 'the token is returned once, at creation')
    assert.deepEqual(
      info.userInfo.permissionAssignments.map((a) => a.permissionName),
      ['DfnsFullAdminAccess'],
      'without permissionId a service account gets the permissions of its creator',
    )

    const listed = await sa.client.auth.listServiceAccounts()
    assert.ok(listed.items.some((s) => s.userInfo.userId === w.bootstrap.serviceAccount.userId))
    const user = await sa.client.auth.createUser({
      body: { email: 'made-by-sa@example.com', kind: 'CustomerEmployee' },
    })
    assert.equal((await w.root.auth.getUser({ userId: user.userId })).username, 'made-by-sa@example.com')
    const updated = await sa.client.auth.updateServiceAccount({
      serviceAccountId: sa.userId,
      body: { externalId: 'x-1' },
    })
    assert.equal(updated.userInfo.userId, sa.userId)
  })

  it('root creates a PAT, which reads and performs a signed write', async () => {
    const pat = await w.newPat({ name: 'deploy' })
    const got = await pat.client.auth.getPersonalAccessToken({ tokenId: pat.tokenId })
    assert.equal(got.kind, 'Pat')
    assert.equal(got.linkedUserId, w.bootstrap.serviceAccount.userId)
    assert.equal(got.credId, pat.credId)
    assert.deepEqual(
      got.permissionAssignments.map((a) => a.permissionName),
      ['DfnsFullAdminAccess'],
    )
    // A PAT is managed by its owner (here the root service account), never by a PAT.
    const renamed = await w.root.auth.updatePersonalAccessToken({
      tokenId: pat.tokenId,
      body: { name: 'deploy-2' },
    })
    assert.equal(renamed.name, 'deploy-2')
    const sa = await pat.client.auth.createServiceAccount({
      body: { name: 'made-by-pat', publicKey: newKey().publicKey },
    })
    assert.equal(sa.userInfo.username, 'made-by-pat')
  })

  it('the root service account holds every operation through an immutable DfnsFullAdminAccess', async () => {
    const root = await w.root.auth.getServiceAccount({ serviceAccountId: w.bootstrap.serviceAccount.userId })
    const [assignment] = root.userInfo.permissionAssignments
    assert.equal(assignment?.permissionName, 'DfnsFullAdminAccess')
    assert.ok(assignment?.operations?.includes('Wallets:Create'))
    assert.ok(assignment?.operations?.includes('Auth:Users:Create'))
    const apps = await w.root.auth.listApplications()
    assert.equal(apps.items.length, 1)
    assert.match(apps.items[0]!.appId, /^ap-/)
    assert.equal((await w.root.auth.getApplication({ appId: apps.items[0]!.appId })).orgId, w.orgId)
  })

  for (const keyKind of ['p256', 'secp256k1', 'p384', 'ed25519', 'rsa'] as KeyKind[]) {
    it(`a user registers a ${keyKind} Key credential, logs in with DfnsAuthenticator and signs a write`, async () => {
      const user = await w.newUser({ keyKind })
      const me = await w.root.auth.getUser({ userId: user.userId })
      assert.equal(me.isRegistered, true)
      assert.equal(me.username, user.username)

      // A signed write by the logged-in user: add a second credential (vouched for by the first).
      const second = new KeyCredentialSigner(newKey('ed25519'))
      const challenge = await user.client.auth.createUserCredentialChallenge({ body: { kind: 'Key' } })
      const attestation = await second.create(challenge)
      const credential = await user.client.auth.createUserCredential({
        body: {
          ...attestation,
          credentialName: 'backup key',
          challengeIdentifier: challenge.challengeIdentifier,
        },
      })
      assert.equal(credential.kind, 'Key')
      assert.equal(credential.credentialId, second.credId)
      const creds = await user.client.auth.listUserCredentials()
      assert.deepEqual(
        creds.items.map((c) => c.credentialId).sort(),
        [user.signer.credId, second.credId].sort(),
      )

      // The new credential logs in too.
      const login = await new DfnsAuthenticator({ baseUrl: w.baseUrl, signer: second }).login({
        orgId: w.orgId,
        username: user.username,
      })
      const viaSecond = new DfnsApiClient({
        baseUrl: w.baseUrl,
        orgId: w.orgId,
        authToken: login.token,
        signer: second,
      })
      await viaSecond.auth.deactivateCredential({
        body: {
          credentialUuid: creds.items.find((c) => c.credentialId === user.signer.credId)!.credentialUuid,
        },
      })
      const after = await viaSecond.auth.listUserCredentials()
      assert.equal(after.items.find((c) => c.credentialId === user.signer.credId)?.isActive, false)
    })
  }

  it('delegated registration and login of an end user by a service account', async () => {
    const sa = await w.newServiceAccount()
    const email = 'end-user@example.com'
    const challenge = await sa.client.auth.createDelegatedRegistrationChallenge({
      body: { email, kind: 'EndUser' },
    })
    const signer = new KeyCredentialSigner(newKey('p256'))
    const firstFactorCredential = await signer.create(challenge)
    const withTemp = new DfnsApiClient({
      baseUrl: w.baseUrl,
      orgId: w.orgId,
      authToken: challenge.temporaryAuthenticationToken,
    })
    const registered = await withTemp.auth.registerEndUser({ body: { firstFactorCredential, wallets: [] } })
    assert.equal(registered.user.username, email)
    const endUserInfo = await w.root.auth.getUser({ userId: registered.user.id })
    assert.equal(endUserInfo.kind, 'EndUser')
    assert.deepEqual(
      endUserInfo.permissionAssignments.map((a) => a.permissionName),
      ['DfnsDefaultEndUserAccess'],
    )
    assert.equal(registered.wallets.length, 0)
    const endUser = new DfnsApiClient({
      baseUrl: w.baseUrl,
      orgId: w.orgId,
      authToken: registered.authentication.token,
      signer,
    })
    assert.equal((await endUser.auth.listUserCredentials()).items[0]?.credentialId, signer.credId)
    // The temporary token is spent.
    await assert.rejects(withTemp.auth.listUserCredentials(), (err: DfnsError) => err.httpStatus === 401)

    const { token } = await sa.client.auth.delegatedLogin({ body: { username: email } })
    const delegated = new DfnsApiClient({ baseUrl: w.baseUrl, orgId: w.orgId, authToken: token, signer })
    // A signed write by the end user (adding a credential needs no operation).
    const extra = new KeyCredentialSigner(newKey('ed25519'))
    const challenge2 = await delegated.auth.createUserCredentialChallenge({ body: { kind: 'Key' } })
    const added = await delegated.auth.createUserCredential({
      body: {
        ...(await extra.create(challenge2)),
        credentialName: 'phone',
        challengeIdentifier: challenge2.challengeIdentifier,
      },
    })
    assert.equal(added.credentialId, extra.credId)
    assert.equal((await w.root.auth.listUsers({ query: { kind: 'EndUser' } })).items.length, 1)
  })

  it('tokens verify against the published JWKS', async () => {
    const jwks = (await (await fetch(`${w.baseUrl}/.well-known/jwks.json`)).json()) as JSONWebKeySet
    const { payload } = await jwtVerify(w.bootstrap.serviceAccount.accessToken, createLocalJWKSet(jwks), {
      audience: 'dfns:auth:user',
      issuer: 'walletd:local',
      currentDate: w.clock.now(),
    })
    assert.equal((payload['https://custom/app_metadata'] as { orgId: string }).orgId, w.orgId)
  })

  it('logout revokes the session token at once', async () => {
    const user = await w.newUser()
    await user.client.auth.logout({ body: {} })
    await assert.rejects(user.client.auth.listUserCredentials(), (err: DfnsError) => err.httpStatus === 401)
  })

  it('every user action is in the audit log', async () => {
    const sa = await w.newServiceAccount()
    const made = await sa.client.auth.createUser({
      body: { email: 'audited@example.com', kind: 'CustomerEmployee' },
    })
    const csv = await w.root.auth.listAuditLogs({
      query: { startTime: '2025-12-31T00:00:00Z', endTime: '2026-01-02T00:00:00Z', userId: sa.userId },
    })
    assert.equal(typeof csv, 'string')
    const lines = csv.trim().split('\n')
    assert.equal(lines[0], 'id,action,userId,username,datePerformed,credentialUuid')
    assert.equal(lines.length, 2, csv)
    assert.match(lines[1]!, /"POST \/auth\/users"/)
    const id = JSON.parse(`[${lines[1]!.split(',')[0]}]`)[0] as string
    const record = await w.root.auth.getAuditLog({ id })
    assert.equal(record.action, 'POST /auth/users')
    assert.equal(record.userId, sa.userId)
    assert.equal(record.firstFactorCredential.id, sa.credId)
    assert.equal(record.firstFactorCredential.kind, 'Key')
    assert.ok(record.datePerformed)
    assert.ok(made.userId)
  })

  it('users are listed with pagination, another org sees none of them', async () => {
    for (let i = 0; i < 3; i++) {
      await w.root.auth.createUser({ body: { email: `page-${i}@example.com`, kind: 'CustomerEmployee' } })
    }
    const first = await w.root.auth.listUsers({ query: { limit: 2 } })
    assert.equal(first.items.length, 2)
    assert.ok(first.nextPageToken)
    const second = await w.root.auth.listUsers({ query: { limit: 2, paginationToken: first.nextPageToken } })
    assert.ok(second.items.length >= 1)
    assert.ok(!second.items.some((u) => first.items.some((f) => f.userId === u.userId)))

    const other = await w.bootstrapOrg()
    const otherRoot = new DfnsApiClient({
      baseUrl: w.baseUrl,
      orgId: other.orgId,
      authToken: other.serviceAccount.accessToken,
    })
    assert.deepEqual((await otherRoot.auth.listUsers()).items, [])
    await assert.rejects(
      otherRoot.auth.getUser({ userId: first.items[0]!.userId }),
      (err: DfnsError) => err.httpStatus === 404,
    )
  })
})
