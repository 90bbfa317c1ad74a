import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { DfnsAuthenticator } from '@dfns/sdk'
import { codeLimits } from '../../../src/domains/auth/model.ts'
import { testDialect } from '../../helpers/database.ts'
import { failsWith } from '../../helpers/fails-with.ts'
import { KeyCredentialSigner, newKey, rawRequest, startWalletd, type Walletd } from '../../helpers/sdk.ts'
import { mailedCode, mailTo } from './flow-helpers.ts'

/** Login and registration codes by e-mail, read from the emulator's mailbox, through the SDK. */
describe(`login and registration codes (${testDialect})`, () => {
  let w: Walletd
  before(async () => {
    w = await startWalletd()
  })
  after(() => w.close())

  it('a login code read from the mailbox logs in once, never twice', async () => {
    const user = await w.newUser()
    const anonymous = w.client('')
    const sent = await anonymous.auth.sendLoginCode({ body: { username: user.username, orgId: w.orgId } })
    assert.match(sent.message, /login code/)
    const loginCode = await mailedCode(w, user.username, 'Login code')

    const challenge = await anonymous.auth.createLoginChallenge({
      body: { username: user.username, orgId: w.orgId, loginCode },
    })
    const { token } = (await anonymous.auth.login({
      body: {
        challengeIdentifier: challenge.challengeIdentifier,
        firstFactor: (await user.signer.sign(challenge)) as never,
      },
    })) as { token: string }
    assert.equal((await w.client(token).auth.listCredentials()).items.length, 1)

    await assert.rejects(
      anonymous.auth.createLoginChallenge({ body: { username: user.username, orgId: w.orgId, loginCode } }),
      failsWith(401, /Login code is not valid/),
    )
    // Lower case and without dashes is the same code; a wrong one is refused like a used one.
    await anonymous.auth.sendLoginCode({ body: { username: user.username, orgId: w.orgId } })
    const second = await mailedCode(w, user.username, 'Login code')
    assert.notEqual(second, loginCode)
    await assert.rejects(
      anonymous.auth.createLoginChallenge({
        body: { username: user.username, orgId: w.orgId, loginCode: 'AAAA-AAAA-AAAA' },
      }),
      failsWith(401, /Login code is not valid/),
    )
    await anonymous.auth.createLoginChallenge({
      body: { username: user.username, orgId: w.orgId, loginCode: second.toLowerCase().replaceAll('-', '') },
    })
  })

  it('a login code expires', async () => {
    const user = await w.newUser()
    const anonymous = w.client('')
    await anonymous.auth.sendLoginCode({ body: { username: user.username, orgId: w.orgId } })
    const loginCode = await mailedCode(w, user.username, 'Login code')
    w.clock.advance(10 * 60_000)
    await assert.rejects(
      anonymous.auth.createLoginChallenge({ body: { username: user.username, orgId: w.orgId, loginCode } }),
      failsWith(401, /Login code is not valid/),
    )
  })

  it('wrong guesses burn the open codes; codes are rate limited per user; unknown users get the same answer', async () => {
    const user = await w.newUser()
    const anonymous = w.client('')
    await anonymous.auth.sendLoginCode({ body: { username: user.username, orgId: w.orgId } })
    const loginCode = await mailedCode(w, user.username, 'Login code')
    for (let i = 0; i < codeLimits.maxAttempts; i++) {
      await assert.rejects(
        anonymous.auth.createLoginChallenge({
          body: { username: user.username, orgId: w.orgId, loginCode: `WRNG-${i}AAA-AAAA` },
        }),
        failsWith(401),
      )
    }
    await assert.rejects(
      anonymous.auth.createLoginChallenge({ body: { username: user.username, orgId: w.orgId, loginCode } }),
      failsWith(401),
      'the right code no longer works after too many wrong ones',
    )

    for (let i = 1; i < codeLimits.perUser; i++) {
      await anonymous.auth.sendLoginCode({ body: { username: user.username, orgId: w.orgId } })
    }
    const refused = await rawRequest(w.baseUrl, {
      method: 'POST',
      path: '/auth/login/code',
      body: { username: user.username, orgId: w.orgId },
    })
    assert.equal(refused.status, 429)
    assert.ok(Number(refused.headers.get('retry-after')) > 0)
    w.clock.advance(codeLimits.windowMs)
    await anonymous.auth.sendLoginCode({ body: { username: user.username, orgId: w.orgId } })

    const unknown = await anonymous.auth.sendLoginCode({
      body: { username: 'nobody@example.com', orgId: w.orgId },
    })
    assert.equal(
      unknown.message,
      (await anonymous.auth.sendLoginCode({ body: { username: user.username, orgId: w.orgId } })).message,
    )
    assert.equal((await mailTo(w, 'nobody@example.com')).length, 0)
  })

  it('resendRegistrationCode mails a new code that registers; the previous one stops working', async () => {
    const email = 'resent@example.com'
    const created = (await w.root.auth.createUser({
      body: { email, kind: 'CustomerEmployee' },
    })) as unknown as {
      registrationCode: string
    }
    const anonymous = w.client('')
    await anonymous.auth.resendRegistrationCode({ body: { username: email, orgId: w.orgId } })
    const fresh = await mailedCode(w, email, 'Registration code')
    assert.notEqual(fresh, created.registrationCode)
    await assert.rejects(
      anonymous.auth.createRegistrationChallenge({
        body: { orgId: w.orgId, username: email, registrationCode: created.registrationCode },
      }),
      failsWith(400, /not valid/),
    )
    const signer = new KeyCredentialSigner(newKey())
    await new DfnsAuthenticator({ baseUrl: w.baseUrl, signer }).register({
      orgId: w.orgId,
      username: email,
      registrationCode: fresh,
    })
    // A registered user gets no new code.
    await anonymous.auth.resendRegistrationCode({ body: { username: email, orgId: w.orgId } })
    assert.equal(await mailedCode(w, email, 'Registration code'), fresh)
  })

  it('one address asks for at most 20 codes in 15 minutes, whoever it names, unknown usernames included', async () => {
    w.clock.advance(codeLimits.windowMs) // the codes asked for above no longer count
    const anonymous = w.client('')
    const users = []
    for (let i = 0; i < codeLimits.perAddress / codeLimits.perUser; i++) users.push(await w.newUser())
    for (const user of users) {
      for (let i = 0; i < codeLimits.perUser; i++) {
        await anonymous.auth.sendLoginCode({ body: { username: user.username, orgId: w.orgId } })
      }
    }
    const fresh = await w.newUser()
    const invited = 'invited@example.com'
    await w.root.auth.createUser({ body: { email: invited, kind: 'CustomerEmployee' } })
    const mailsBefore = (await mailTo(w, invited)).length
    const freshMailsBefore = (await mailTo(w, fresh.username)).length
    const asks = [
      { path: '/auth/login/code', username: fresh.username },
      { path: '/auth/login/code', username: 'nobody@example.com' },
      { path: '/auth/recover/user/code', username: fresh.username },
      { path: '/auth/recover/user/code', username: 'nobody@example.com' },
    ]
    for (const { path, username } of asks) {
      const refused = await rawRequest(w.baseUrl, {
        method: 'POST',
        path,
        body: { username, orgId: w.orgId },
      })
      assert.equal(refused.status, 429, `${path} for ${username}`)
      assert.match(JSON.stringify(refused.body), /This address asked for 20 codes/)
    }
    const resend = await rawRequest(w.baseUrl, {
      method: 'PUT',
      path: '/auth/registration/code',
      body: { username: invited, orgId: w.orgId },
    })
    assert.equal(resend.status, 429)
    assert.equal(
      (await mailTo(w, fresh.username)).length,
      freshMailsBefore,
      'nothing is mailed past the limit',
    )
    assert.equal((await mailTo(w, invited)).length, mailsBefore)

    w.clock.advance(codeLimits.windowMs)
    await anonymous.auth.sendLoginCode({ body: { username: fresh.username, orgId: w.orgId } })
    await mailedCode(w, fresh.username, 'Login code')
    await anonymous.auth.resendRegistrationCode({ body: { username: invited, orgId: w.orgId } })
    assert.equal((await mailTo(w, invited)).length, mailsBefore + 1)
  })
})
