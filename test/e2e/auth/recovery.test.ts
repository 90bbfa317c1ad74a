import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { DfnsAuthenticator } from '@dfns/sdk'
import { testDialect } from '../../helpers/database.ts'
import { failsWith } from '../../helpers/fails-with.ts'
import { KeyCredentialSigner, newKey, rawRequest, startWalletd, type Walletd } from '../../helpers/sdk.ts'
import { mailedCode, RecoveryKey, recoveryPackage } from './flow-helpers.ts'

/**
 * Account recovery through the official SDK: a user registered with a Key credential and a recovery
 * key loses the Key credential, recovers with the recovery key and an e-mailed code, and from then
 * on only the new credential works.
 */
describe(`recovery with a recovery key (${testDialect})`, () => {
  let w: Walletd
  before(async () => {
    w = await startWalletd()
  })
  after(() => w.close())

  /** A CustomerEmployee registered with a Key credential and a RecoveryKey, logged in. */
  async function registerWithRecoveryKey(email: string) {
    const created = (await w.root.auth.createUser({
      body: { email, kind: 'CustomerEmployee' },
    })) as unknown as {
      userId: string
      registrationCode: string
    }
    const anonymous = w.client('')
    const challenge = await anonymous.auth.createRegistrationChallenge({
      body: { orgId: w.orgId, username: email, registrationCode: created.registrationCode },
    })
    const key = new KeyCredentialSigner(newKey())
    const recoveryKey = new RecoveryKey()
    const registered = await w.client(challenge.temporaryAuthenticationToken).auth.register({
      body: {
        firstFactorCredential: await key.create(challenge),
        recoveryCredential: await recoveryKey.credential(challenge),
      },
    })
    assert.equal(registered.credential.kind, 'Key')
    const { token } = await new DfnsAuthenticator({ baseUrl: w.baseUrl, signer: key }).login({
      orgId: w.orgId,
      username: email,
    })
    return { userId: created.userId, key, recoveryKey, session: w.client(token, key) }
  }

  it('recovers a lost Key credential: the new one signs user actions, the old one and its sessions are refused', async () => {
    const email = 'loses-a-key@example.com'
    const { userId, key: lost, recoveryKey, session: oldSession } = await registerWithRecoveryKey(email)
    const kinds = (await oldSession.auth.listCredentials()).items.map((c) => c.kind).sort()
    assert.deepEqual(kinds, ['Key', 'RecoveryKey'])
    // A recovery key cannot log in or sign: it is not offered in a login challenge.
    const login = await w.client('').auth.createLoginChallenge({ body: { orgId: w.orgId, username: email } })
    assert.deepEqual(
      login.allowCredentials.key.map((c) => c.id),
      [lost.credId],
    )

    // The device with the Key credential is gone. The user asks for a recovery code by e-mail.
    const anonymous = w.client('')
    await anonymous.auth.sendRecoveryCode({ body: { username: email, orgId: w.orgId } })
    const code = await mailedCode(w, email, 'Recovery code')
    const init = await anonymous.auth.createRecoveryChallenge({
      body: {
        username: email,
        orgId: w.orgId,
        verificationCode: code,
        credentialId: recoveryKey.signer.credId,
      },
    })
    assert.equal(init.allowedRecoveryCredentials.length, 1)
    await assert.rejects(
      anonymous.auth.createRecoveryChallenge({
        body: {
          username: email,
          orgId: w.orgId,
          verificationCode: code,
          credentialId: recoveryKey.signer.credId,
        },
      }),
      failsWith(401, /Recovery code is not valid/),
      'a recovery code is single use',
    )
    const [allowed] = init.allowedRecoveryCredentials
    assert.equal(allowed!.id, recoveryKey.signer.credId)
    // The client decrypts the recovery key it registered with the secret only the user knows.
    const recoveryPrivateKey = RecoveryKey.decrypt(allowed!.encryptedRecoveryKey, recoveryKey.secret)

    const fresh = new KeyCredentialSigner(newKey())
    const newCredentials = {
      firstFactorCredential: { ...(await fresh.create(init)), credentialName: 'new phone' },
    }
    const recovered = await w.client(init.temporaryAuthenticationToken).auth.recover({
      body: recoveryPackage(recoveryPrivateKey, allowed!.id, newCredentials) as never,
    })
    assert.equal(recovered.user.id, userId)
    assert.equal(recovered.credential.kind, 'Key')
    assert.equal(recovered.credential.name, 'new phone')

    // The old session is revoked; the recovery key that was used is spent.
    await assert.rejects(oldSession.auth.listCredentials(), failsWith(401, /revoked/))
    await assert.rejects(
      anonymous.auth.createRecoveryChallenge({
        body: {
          username: email,
          orgId: w.orgId,
          verificationCode: code,
          credentialId: recoveryKey.signer.credId,
        },
      }),
      failsWith(400, 'credentialId'),
    )

    // The new credential logs in and signs a user action.
    const { token } = await new DfnsAuthenticator({ baseUrl: w.baseUrl, signer: fresh }).login({
      orgId: w.orgId,
      username: email,
    })
    const session = w.client(token, fresh)
    const credentials = (await session.auth.listCredentials()).items
    const old = credentials.find((c) => c.credentialId === lost.credId)!
    assert.equal(old.isActive, false, 'the lost credential is deactivated')
    assert.equal(
      credentials.find((c) => c.kind === 'RecoveryKey')!.isActive,
      false,
      'the used recovery key too',
    )
    const signed = await session.auth.deactivateCredential({ body: { credentialUuid: old.credentialUuid } })
    assert.equal(signed.message, 'Credential deactivated.')

    // The old credential is refused by the server: it is no longer allowed to answer a challenge.
    const challenge = await session.auth.createUserActionChallenge({
      body: {
        userActionPayload: '{}',
        userActionHttpMethod: 'PUT',
        userActionHttpPath: '/auth/credentials/activate',
        userActionServerKind: 'Api',
      },
    })
    const forged = await lost.sign({
      ...challenge,
      allowCredentials: { ...challenge.allowCredentials, key: [{ type: 'public-key', id: lost.credId }] },
    })
    await assert.rejects(
      session.auth.createUserActionSignature({
        body: { challengeIdentifier: challenge.challengeIdentifier, firstFactor: forged as never },
      }),
      failsWith(401, /not allowed/),
    )
    await assert.rejects(
      new DfnsAuthenticator({ baseUrl: w.baseUrl, signer: lost }).login({ orgId: w.orgId, username: email }),
    )
  })

  it('refuses a recovery package whose new credentials are not the ones the recovery key signed', async () => {
    const email = 'swapped@example.com'
    const { recoveryKey } = await registerWithRecoveryKey(email)
    const delegated = await w.root.auth
      .createDelegatedRecoveryChallenge({
        body: { username: email, credentialId: recoveryKey.signer.credId },
      })
      .catch((err) => err)
    // Delegated recovery is for end users only: this user is a CustomerEmployee.
    assert.equal(delegated.httpStatus, 404)

    const anonymous = w.client('')
    await anonymous.auth.sendRecoveryCode({ body: { username: email, orgId: w.orgId } })
    const code = await mailedCode(w, email, 'Recovery code')
    await assert.rejects(
      anonymous.auth.createRecoveryChallenge({
        body: {
          username: email,
          orgId: w.orgId,
          verificationCode: 'WRONG-CODE-0000',
          credentialId: recoveryKey.signer.credId,
        },
      }),
      failsWith(401),
    )
    const init = await anonymous.auth.createRecoveryChallenge({
      body: {
        username: email,
        orgId: w.orgId,
        verificationCode: code,
        credentialId: recoveryKey.signer.credId,
      },
    })
    const key = RecoveryKey.decrypt(
      init.allowedRecoveryCredentials[0]!.encryptedRecoveryKey,
      recoveryKey.secret,
    )
    const mine = new KeyCredentialSigner(newKey())
    const attacker = new KeyCredentialSigner(newKey())
    const signed = recoveryPackage(key, recoveryKey.signer.credId, {
      firstFactorCredential: await mine.create(init),
    })
    const swapped = { ...signed, newCredentials: { firstFactorCredential: await attacker.create(init) } }
    const res = await rawRequest(w.baseUrl, {
      method: 'POST',
      path: '/auth/recover/user',
      token: init.temporaryAuthenticationToken,
      body: swapped,
    })
    assert.equal(res.status, 401, JSON.stringify(res.body))
    // The temporary token takes recovery only, never registration or the API.
    const asRegistration = await rawRequest(w.baseUrl, {
      method: 'POST',
      path: '/auth/registration',
      token: init.temporaryAuthenticationToken,
      body: { firstFactorCredential: await mine.create(init) },
    })
    assert.equal(asRegistration.status, 400)
    const withSecondFactor = {
      firstFactorCredential: await mine.create(init),
      secondFactorCredential: await attacker.create(init),
    }
    await assert.rejects(
      w.client(init.temporaryAuthenticationToken).auth.recover({
        body: recoveryPackage(key, recoveryKey.signer.credId, withSecondFactor) as never,
      }),
      failsWith(501, 'secondFactorCredential'),
    )
    const ok = await w.client(init.temporaryAuthenticationToken).auth.recover({ body: signed as never })
    assert.equal(ok.credential.kind, 'Key')
  })

  it('an end user is recovered on their behalf by a caller holding Auth:Recover:Delegated', async () => {
    const email = 'end-user-recovered@example.com'
    const registration = await w.root.auth.createDelegatedRegistrationChallenge({
      body: { email, kind: 'EndUser' },
    })
    const key = new KeyCredentialSigner(newKey())
    const recoveryKey = new RecoveryKey()
    await w.client(registration.temporaryAuthenticationToken).auth.registerEndUser({
      body: {
        firstFactorCredential: await key.create(registration),
        recoveryCredential: await recoveryKey.credential(registration),
        wallets: [],
      },
    })
    const powerless = await w.newServiceAccount({
      permissionId: (
        await w.root.permissions.createPermission({
          body: { name: 'reader', operations: ['Auth:Users:Read'] },
        })
      ).id,
    })
    await assert.rejects(
      powerless.client.auth.createDelegatedRecoveryChallenge({
        body: { username: email, credentialId: recoveryKey.signer.credId },
      }),
      failsWith(403),
    )
    await assert.rejects(
      w.root.auth.createDelegatedRecoveryChallenge({ body: { username: email, credentialId: key.credId } }),
      failsWith(400, 'credentialId'),
    )
    const init = await w.root.auth.createDelegatedRecoveryChallenge({
      body: { username: email, credentialId: recoveryKey.signer.credId },
    })
    const fresh = new KeyCredentialSigner(newKey())
    const secret = RecoveryKey.decrypt(
      init.allowedRecoveryCredentials[0]!.encryptedRecoveryKey,
      recoveryKey.secret,
    )
    await w.client(init.temporaryAuthenticationToken).auth.recover({
      body: recoveryPackage(secret, recoveryKey.signer.credId, {
        firstFactorCredential: await fresh.create(init),
      }) as never,
    })
    const { token } = await w.root.auth.delegatedLogin({ body: { username: email } })
    const kinds = (await w.client(token).auth.listCredentials()).items.filter((c) => c.isActive)
    assert.deepEqual(
      kinds.map((c) => c.credentialId),
      [fresh.credId],
    )
  })
})
