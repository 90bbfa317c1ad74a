import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { testDialect } from '../../helpers/database.ts'
import {
  assertErrorBody,
  obtainUserAction,
  rawRequest,
  SoftwarePasskey,
  startWalletd,
  type Walletd,
} from '../../helpers/sdk.ts'

/**
 * Passkeys (Fido2) over HTTP with a software authenticator standing in for the browser: added as a
 * credential, then used to log in and to sign a user action. The relying party is the host of the
 * server's public URL.
 */
describe(`passkeys (${testDialect})`, () => {
  let w: Walletd
  before(async () => {
    w = await startWalletd()
  })
  after(() => w.close())

  it('a user adds a passkey, logs in with it and signs a user action with it', async () => {
    const user = await w.newUser()
    const passkey = new SoftwarePasskey(new URL(w.baseUrl).hostname, w.baseUrl)
    const challenge = await user.client.auth.createUserCredentialChallenge({ body: { kind: 'Fido2' } })
    assert.equal(challenge.kind, 'Fido2')
    const credential = await user.client.auth.createUserCredential({
      body: {
        credentialKind: 'Fido2',
        credentialInfo: passkey.attest(challenge.challenge),
        credentialName: 'laptop',
        challengeIdentifier: challenge.challengeIdentifier,
      },
    })
    assert.equal(credential.kind, 'Fido2')
    assert.equal(credential.relyingPartyId, '127.0.0.1')

    const init = await rawRequest(w.baseUrl, {
      method: 'POST',
      path: '/auth/login/init',
      body: { orgId: w.orgId, username: user.username },
    })
    assert.deepEqual(init.body.allowCredentials.webauthn, [{ type: 'public-key', id: passkey.credId }])
    const login = await rawRequest(w.baseUrl, {
      method: 'POST',
      path: '/auth/login',
      body: {
        challengeIdentifier: init.body.challengeIdentifier,
        firstFactor: { kind: 'Fido2', credentialAssertion: passkey.assert(init.body.challenge) },
      },
    })
    assert.equal(login.status, 200, JSON.stringify(login.body))
    const token = login.body.token as string

    const signer = {
      sign: async (c: { challenge: string }) => ({
        kind: 'Fido2',
        credentialAssertion: passkey.assert(c.challenge),
      }),
    }
    const payload = JSON.stringify({ credentialUuid: credential.credentialUuid })
    const userAction = await obtainUserAction(w.baseUrl, token, signer as never, {
      method: 'PUT',
      path: '/auth/credentials/activate',
      payload,
    })
    const activated = await rawRequest(w.baseUrl, {
      method: 'PUT',
      path: '/auth/credentials/activate',
      token,
      userAction,
      body: payload,
    })
    assert.equal(activated.status, 200, JSON.stringify(activated.body))

    // A replayed authenticator counter is refused.
    const again = await rawRequest(w.baseUrl, {
      method: 'POST',
      path: '/auth/login/init',
      body: { orgId: w.orgId, username: user.username },
    })
    const replay = await rawRequest(w.baseUrl, {
      method: 'POST',
      path: '/auth/login',
      body: {
        challengeIdentifier: again.body.challengeIdentifier,
        firstFactor: { kind: 'Fido2', credentialAssertion: passkey.assert(again.body.challenge, 1) },
      },
    })
    assertErrorBody(replay, 401, /Passkey assertion does not verify/)
  })
})
