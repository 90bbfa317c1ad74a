import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { DfnsAuthenticator } from '@dfns/sdk'
import { testDialect } from '../../helpers/database.ts'
import { failsWith } from '../../helpers/fails-with.ts'
import { KeyCredentialSigner, newKey, startWalletd, type Walletd } from '../../helpers/sdk.ts'

/**
 * Credential codes through the official SDK: a logged-in user makes a code on one device, and a
 * second device without a session adds its own credential with it; a code is single use and dies
 * unused after its lifetime.
 */
describe(`credential codes (${testDialect})`, () => {
  let w: Walletd
  before(async () => {
    w = await startWalletd()
  })
  after(() => w.close())

  const inSeconds = (s: number) => new Date(w.clock.now().getTime() + s * 1000).toISOString()

  it("adds a second device's credential with a code, which then logs in; the code works once", async () => {
    const user = await w.newUser()
    const { code, expiration } = await user.client.auth.createCredentialCode({
      body: { expiration: inSeconds(60) },
    })
    assert.equal(expiration, inSeconds(60))

    // The second device has no token at all.
    const device = w.client('')
    const laptop = new KeyCredentialSigner(newKey('ed25519'))
    const challenge = await device.auth.createCredentialChallengeWithCode({
      body: { credentialKind: 'Key', code },
    })
    assert.equal(challenge.user.id, user.userId)
    const added = await device.auth.createCredentialWithCode({
      body: {
        ...(await laptop.create(challenge)),
        credentialKind: 'Key',
        credentialName: 'laptop',
        challengeIdentifier: challenge.challengeIdentifier,
      } as never,
    })
    assert.equal(added.name, 'laptop')
    assert.equal(added.credentialId, laptop.credId)

    await assert.rejects(
      device.auth.createCredentialChallengeWithCode({ body: { credentialKind: 'Key', code } }),
      failsWith(401, /not valid/),
      'a credential code is single use',
    )
    await assert.rejects(
      device.auth.createCredentialWithCode({
        body: {
          ...(await new KeyCredentialSigner().create(challenge)),
          credentialKind: 'Key',
          credentialName: 'again',
          challengeIdentifier: challenge.challengeIdentifier,
        } as never,
      }),
      failsWith(400, /already been answered/),
    )

    // The new device logs in with its own credential and signs a user action.
    const { token } = await new DfnsAuthenticator({ baseUrl: w.baseUrl, signer: laptop }).login({
      orgId: w.orgId,
      username: user.username,
    })
    const session = w.client(token, laptop)
    const listed = (await session.auth.listCredentials()).items
    assert.deepEqual(listed.map((c) => c.name).sort(), ['Default credential', 'laptop'])
    const another = await session.auth.createCredentialCode({
      body: { expiration: Math.floor(Date.parse(inSeconds(30)) / 1000) },
    })
    assert.equal(another.expiration, inSeconds(30))
  })

  it('a code left unused dies after its lifetime (the injectable clock)', async () => {
    const user = await w.newUser()
    const { code } = await user.client.auth.createCredentialCode({ body: { expiration: inSeconds(60) } })
    w.clock.advance(60_000)
    await assert.rejects(
      w.client('').auth.createCredentialChallengeWithCode({ body: { credentialKind: 'Key', code } }),
      failsWith(401, /not valid/),
    )
  })

  it('refuses expirations in the past or too far away, guessed codes, and tokens other than a login session', async () => {
    const user = await w.newUser()
    for (const expiration of [inSeconds(-1), inSeconds(16 * 60), 'tomorrow']) {
      await assert.rejects(
        user.client.auth.createCredentialCode({ body: { expiration } }),
        failsWith(400, 'expiration'),
      )
    }
    await assert.rejects(
      w.client('').auth.createCredentialChallengeWithCode({
        body: { credentialKind: 'Key', code: 'AAAA-BBBB-CCCC-DDDD' },
      }),
      failsWith(401),
    )
    // Kinds walletd does not offer are 501 naming them, and leave the code unspent.
    const { code } = await user.client.auth.createCredentialCode({ body: { expiration: inSeconds(60) } })
    for (const credentialKind of ['Password', 'Totp'] as const) {
      await assert.rejects(
        w.client('').auth.createCredentialChallengeWithCode({ body: { credentialKind, code } }),
        failsWith(501, (e) => assert.equal(e.details.kind, credentialKind)),
      )
    }
    await w.client('').auth.createCredentialChallengeWithCode({ body: { credentialKind: 'Key', code } })
    // A service account (or PAT) cannot plant a credential through a code either.
    await assert.rejects(
      w.root.auth.createCredentialCode({ body: { expiration: inSeconds(60) } }),
      failsWith(403),
    )
  })
})
