import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { DfnsAuthenticator } from '@dfns/sdk'
import { ManualClock } from '../../../src/clock.ts'
import { createMailer, Mailbox } from '../../../src/mail/index.ts'
import { testDialect } from '../../helpers/database.ts'
import { assertErrorBody } from '../../helpers/error-body.ts'
import { KeyCredentialSigner, newKey, startWalletd, type Walletd } from '../../helpers/sdk.ts'
import { startSmtpServer } from '../../helpers/smtp.ts'

async function mailbox(w: Walletd, query = '') {
  const res = await fetch(`${w.baseUrl}/emulator/mailbox${query}`, {
    headers: { authorization: `Bearer ${w.operatorToken}` },
  })
  assert.equal(res.status, 200)
  return (await res.json()) as {
    items: { id: string; to: string; subject: string; text: string; date: string; delivery: string }[]
  }
}

const codeIn = (text: string) => /Registration code: ([A-Z2-9]{20})/.exec(text)?.[1]

describe(`the mailbox: registration codes by mail (${testDialect})`, () => {
  let w: Walletd
  before(async () => {
    w = await startWalletd()
  })
  after(() => w.close())

  it('keeps the registration code of a new user, and that code registers the user', async () => {
    const email = 'Invited.Person@example.com'
    const created = await w.root.auth.createUser({ body: { email, kind: 'CustomerEmployee' } })
    // Addresses compare case-insensitively.
    const { items } = await mailbox(w, `?to=${encodeURIComponent(email.toLowerCase())}`)
    assert.equal(items.length, 1)
    const [mail] = items
    assert.equal(mail!.to, email)
    assert.equal(mail!.delivery, 'not-sent', 'no SMTP configured')
    assert.equal(mail!.date, w.clock.now().toISOString(), "stamped by walletd's clock")
    assert.match(mail!.subject, /registration code/)
    const code = codeIn(mail!.text)
    assert.equal(code, (created as unknown as { registrationCode: string }).registrationCode)

    const signer = new KeyCredentialSigner(newKey())
    const authenticator = new DfnsAuthenticator({ baseUrl: w.baseUrl, signer })
    await authenticator.register({ orgId: w.orgId, username: email, registrationCode: code! })
    const { token } = await authenticator.login({ orgId: w.orgId, username: email })
    assert.ok(token)
  })

  it('lists newest first, with a limit; DELETE empties it', async () => {
    for (const n of [1, 2, 3]) {
      await w.root.auth.createUser({ body: { email: `list-${n}@example.com`, kind: 'CustomerEmployee' } })
    }
    const latest = await mailbox(w, '?limit=2')
    assert.deepEqual(
      latest.items.map((m) => m.to),
      ['list-3@example.com', 'list-2@example.com'],
    )
    const res = await fetch(`${w.baseUrl}/emulator/mailbox`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${w.operatorToken}` },
    })
    assert.equal(res.status, 204)
    assert.deepEqual((await mailbox(w)).items, [])
  })

  it('refuses a bad query with 400 naming the field, and a missing token with 401', async () => {
    const bad = await fetch(`${w.baseUrl}/emulator/mailbox?limit=0`, {
      headers: { authorization: `Bearer ${w.operatorToken}` },
    })
    const error = assertErrorBody(
      { statusCode: bad.status, headers: Object.fromEntries(bad.headers), body: await bad.text() },
      400,
    )
    assert.equal(error.details.field, 'limit')
    const anonymous = await fetch(`${w.baseUrl}/emulator/mailbox`)
    assert.equal(anonymous.status, 401)
  })
})

describe(`mail over SMTP (${testDialect})`, () => {
  it('sends the registration code to the SMTP server and keeps a copy marked sent', async () => {
    const smtp = await startSmtpServer()
    const w = await startWalletd({
      config: { smtpUrl: smtp.url, mailFrom: 'walletd <no-reply@walletd.test>' },
    })
    try {
      const created = await w.root.auth.createUser({
        body: { email: 'smtp-user@example.com', kind: 'CustomerEmployee' },
      })
      assert.equal(smtp.received.length, 1)
      const [sent] = smtp.received
      assert.equal(sent!.from, 'no-reply@walletd.test')
      assert.deepEqual(sent!.to, ['smtp-user@example.com'])
      assert.match(sent!.data, /^Subject: Your walletd registration code/m)
      const code = (created as unknown as { registrationCode: string }).registrationCode
      assert.ok(sent!.data.includes(code))
      const { items } = await mailbox(w)
      assert.equal(items[0]!.delivery, 'sent')
    } finally {
      await w.close()
      await smtp.close()
    }
  })

  it('a mail server that is down does not fail the creation; the copy is marked failed', async () => {
    const smtp = await startSmtpServer()
    const url = smtp.url
    await smtp.close()
    const w = await startWalletd({ config: { smtpUrl: url } })
    try {
      const created = await w.root.auth.createUser({
        body: { email: 'smtp-down@example.com', kind: 'CustomerEmployee' },
      })
      assert.ok(created.userId)
      const { items } = await mailbox(w)
      assert.equal(items[0]!.delivery, 'failed')
    } finally {
      await w.close()
    }
  })
})

describe('the mailer', () => {
  it('never logs the message text (it carries codes), and production keeps no copy', async () => {
    const lines: string[] = []
    const logger = {
      info: (facts: object, msg: string) => lines.push(JSON.stringify({ ...facts, msg })),
      error: (facts: object, msg: string) => lines.push(JSON.stringify({ ...facts, msg })),
    }
    const box = new Mailbox(2)
    const dev = createMailer({
      clock: new ManualClock(0),
      logger,
      transport: undefined,
      from: 'x',
      mailbox: box,
    })
    for (const n of [1, 2, 3])
      await dev.send({ to: `a${n}@example.com`, subject: 's', text: `SECRET-CODE-${n}` })
    assert.deepEqual(
      box.list().map((m) => m.to),
      ['a3@example.com', 'a2@example.com'],
      'bounded: the oldest is dropped',
    )
    const prod = createMailer({
      clock: new ManualClock(0),
      logger,
      transport: undefined,
      from: 'x',
      mailbox: undefined,
    })
    assert.equal(
      (await prod.send({ to: 'b@example.com', subject: 's', text: 'SECRET-CODE-4' })).delivery,
      'not-sent',
    )
    assert.equal(lines.length, 4)
    assert.ok(lines.every((l) => !l.includes('SECRET-CODE')))
    assert.match(lines[3]!, /no SMTP configured \(WALLETD_SMTP_URL\)/)
  })
})
