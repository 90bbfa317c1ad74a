import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { DfnsApiClient } from '@dfns/sdk'
import { testDialect } from '../../helpers/database.ts'
import { failsWith } from '../../helpers/fails-with.ts'
import {
  KeyCredentialSigner,
  newKey,
  startWalletd,
  type Walletd,
  type WalletdNode,
} from '../../helpers/sdk.ts'
import { type LocalIssuer, startLocalIssuer } from './oidc-issuer.ts'

/**
 * Social login, social registration and single sign-on through the official SDK, against a real
 * OpenID Connect issuer on loopback (keys made in the test, discovery and JWKS over HTTP).
 */
describe(`social and single sign-on login (${testDialect})`, () => {
  let w: Walletd
  let idp: LocalIssuer
  let node: WalletdNode
  const login = { clientId: 'walletd-login', clientSecret: 'login-secret-0123456789' }
  const signup = { clientId: 'walletd-signup', clientSecret: 'signup-secret-0123456789' }
  let signupIdp: LocalIssuer

  before(async () => {
    w = await startWalletd({ multiNode: true })
    idp = await startLocalIssuer(login)
    signupIdp = await startLocalIssuer(signup)
    // The providers name the org, which exists once walletd has started: a node configured with them.
    node = await w.startNode({
      config: {
        oidcProviders: JSON.stringify([
          { issuer: idp.issuer, orgId: w.orgId, ...login },
          { issuer: signupIdp.issuer, orgId: w.orgId, ...signup, endUserRegistration: true },
        ]),
      },
    })
  })
  after(async () => {
    await w.close()
    await idp.close()
    await signupIdp.close()
  })

  const anonymous = () => new DfnsApiClient({ baseUrl: node.baseUrl, orgId: w.orgId })
  const now = () => node.app.walletd.auth.context.clock.now()
  const social = (idToken: string) =>
    anonymous().auth.socialLogin({ body: { socialLoginProviderKind: 'Oidc', idToken, orgId: w.orgId } })

  it('an id token from the local issuer logs in a registered end user, once', async () => {
    const endUser = await w.newEndUser()
    const idToken = await idp.idToken(
      { sub: 'idp-user-1', email: endUser.username, email_verified: true },
      { now: now() },
    )
    const { token } = await social(idToken)
    const session = new DfnsApiClient({ baseUrl: node.baseUrl, orgId: w.orgId, authToken: token })
    assert.equal((await session.auth.listCredentials()).items.length, 1)
    await assert.rejects(social(idToken), failsWith(401, /already been used/))
    // The identity is linked: a later token of the same subject logs in even after an e-mail change.
    const later = await idp.idToken({ sub: 'idp-user-1', email: 'changed@example.com' }, { now: now() })
    assert.ok((await social(later)).token)
  })

  it('refuses a token for another audience, an expired one and one signed by an unknown key', async () => {
    const endUser = await w.newEndUser()
    const person = { sub: 'idp-user-2', email: endUser.username, email_verified: true }
    const refusals: [Promise<string>, string][] = [
      [idp.idToken(person, { now: now(), aud: 'someone-elses-app' }), 'audience'],
      [
        idp.idToken(person, {
          now: new Date(now().getTime() - 7200_000),
          expiresAt: new Date(now().getTime() - 1000),
        }),
        'expired',
      ],
      [
        idp.idToken(person, { now: now(), key: await idp.strangerKey(), kid: 'not-published' }),
        'unknown-key',
      ],
      [idp.idToken(person, { now: now(), key: await idp.strangerKey() }), 'signature'],
      [signupIdp.idToken(person, { now: now(), aud: login.clientId }), 'audience'],
      [
        idp.idToken({ sub: 'idp-user-3', email: endUser.username, email_verified: false }, { now: now() }),
        'unknown-identity',
      ],
    ]
    for (const [token, reason] of refusals) {
      await assert.rejects(
        social(await token),
        failsWith(401, (error) => assert.equal(error.details.reason, reason)),
      )
    }
    await assert.rejects(
      social('not.a.jwt'),
      failsWith(401, (e) => assert.equal(e.details.reason, 'malformed')),
    )
    // The signing keys were fetched once and then cached, though a token named an unknown key.
    assert.ok(idp.jwksFetches <= 2, `JWKS fetched ${idp.jwksFetches} times`)
  })

  it('registers a new end user from an id token when the provider allows it, who then logs in socially', async () => {
    const person = { sub: 'signup-1', email: 'social-signup@example.com', email_verified: true }
    const client = anonymous()
    await assert.rejects(
      client.auth.createSocialRegistrationChallenge({
        body: {
          socialLoginProviderKind: 'Oidc',
          orgId: w.orgId,
          idToken: await idp.idToken(person, { now: now() }),
        },
      }),
      failsWith(403),
      'the login provider does not allow registration',
    )
    const challenge = await client.auth.createSocialRegistrationChallenge({
      body: {
        socialLoginProviderKind: 'Oidc',
        orgId: w.orgId,
        idToken: await signupIdp.idToken(person, { now: now() }),
      },
    })
    const signer = new KeyCredentialSigner(newKey())
    const registered = await new DfnsApiClient({
      baseUrl: node.baseUrl,
      orgId: w.orgId,
      authToken: challenge.temporaryAuthenticationToken,
    }).auth.registerEndUser({ body: { firstFactorCredential: await signer.create(challenge), wallets: [] } })
    assert.equal(registered.user.username, person.email)
    const user = await w.root.auth.getUser({ userId: registered.user.id })
    assert.equal(user.kind, 'EndUser')
    const { token } = await anonymous().auth.socialLogin({
      body: { socialLoginProviderKind: 'Oidc', idToken: await signupIdp.idToken(person, { now: now() }) },
    })
    assert.ok(token)
    await assert.rejects(
      client.auth.createSocialRegistrationChallenge({
        body: {
          socialLoginProviderKind: 'Oidc',
          orgId: w.orgId,
          idToken: await signupIdp.idToken(person, { now: now() }),
        },
      }),
      failsWith(409),
    )
  })

  it('single sign-on: authorization code flow with state, nonce and PKCE', async () => {
    const employee = await w.newUser()
    const client = anonymous()
    const redirectUri = 'https://app.example.com/sso/callback'
    const start = async (nonce?: string) => {
      const { ssoRedirectUrl } = await client.auth.ssoLoginInit({
        body: { orgId: w.orgId, clientId: login.clientId, redirectUri },
      })
      assert.ok(ssoRedirectUrl.startsWith(`${idp.issuer}/authorize?`))
      idp.nextLogin(
        { sub: 'employee-1', email: employee.username, email_verified: true },
        { now: now(), ...(nonce ? { nonce } : {}) },
      )
      const res = await fetch(ssoRedirectUrl, { redirect: 'manual' })
      assert.equal(res.status, 302)
      const back = new URL(res.headers.get('location')!)
      assert.equal(`${back.origin}${back.pathname}`, redirectUri)
      return { code: back.searchParams.get('code')!, state: back.searchParams.get('state')! }
    }
    const answer = await start()
    const { token } = await client.auth.ssoLogin({ body: answer })
    const session = new DfnsApiClient({ baseUrl: node.baseUrl, orgId: w.orgId, authToken: token })
    assert.equal((await session.auth.listCredentials()).items.length, 1)
    await assert.rejects(client.auth.ssoLogin({ body: answer }), failsWith(401, /state is not valid/))

    const wrongNonce = await start('a-nonce-walletd-never-asked-for')
    await assert.rejects(
      client.auth.ssoLogin({ body: wrongNonce }),
      failsWith(401, (e) => assert.equal(e.details.reason, 'nonce')),
    )
    await assert.rejects(
      client.auth.ssoLoginInit({ body: { orgId: w.orgId, clientId: 'unknown-client', redirectUri } }),
      failsWith(400, 'clientId'),
    )
  })
})
