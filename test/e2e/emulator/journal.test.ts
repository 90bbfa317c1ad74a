import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { DfnsAuthenticator } from '@dfns/sdk'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { toHex } from 'viem'
import { EXPORT_CONTEXT, eciesDecrypt, eciesEncrypt, IMPORT_CONTEXT } from '../../../src/custody/index.ts'
import { JOURNAL_BODY_LIMIT } from '../../../src/domains/emulator/journal.ts'
import { REDACTED } from '../../../src/domains/emulator/redact.ts'
import { testDialect } from '../../helpers/database.ts'
import {
  assertErrorBody,
  KeyCredentialSigner,
  newKey,
  rawRequest,
  startWalletd,
  type Walletd,
} from '../../helpers/sdk.ts'

const hexOf = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex')

interface Entry {
  seq: number
  date: string
  method: string
  path: string
  route: string
  orgId?: string
  status: number
  request: { headers: Record<string, string>; body: unknown }
  response: { headers: Record<string, string>; body: unknown }
}

/** `GET /emulator/journal`: every API request and response, and never a secret. */
describe(`the emulator's journal (${testDialect})`, () => {
  let w: Walletd
  const journal = async (query = '') => {
    const res = await rawRequest(w.baseUrl, {
      method: 'GET',
      path: `/emulator/journal${query}`,
      token: w.operatorToken,
    })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    return res.body.items as Entry[]
  }
  before(async () => {
    w = await startWalletd()
  })
  after(() => w.close())

  it('never keeps a bearer token, user action, signature, key material, secret or code', async () => {
    await w.app.walletd.plans.change(w.orgId, { enable: ['walletExport', 'walletImport'] })
    const secrets: string[] = [
      w.bootstrap.serviceAccount.accessToken,
      w.bootstrap.serviceAccount.privateKey,
      ...w.bootstrap.serviceAccount.privateKey.split('\n').filter((l) => l.length > 40),
    ]
    // A user registered (registration code, temporary token, credential) and logged in.
    const username = 'journal-user@example.com'
    const created = (await w.root.auth.createUser({
      body: { email: username, kind: 'CustomerEmployee' },
    })) as unknown as { userId: string; registrationCode: string }
    secrets.push(created.registrationCode)
    const signer = new KeyCredentialSigner(newKey())
    const authenticator = new DfnsAuthenticator({ baseUrl: w.baseUrl, signer })
    await authenticator.register({ orgId: w.orgId, username, registrationCode: created.registrationCode })
    const { token } = await authenticator.login({ orgId: w.orgId, username })
    secrets.push(token)
    // A PAT (its token is in a response body).
    const pat = await w.root.auth.createPersonalAccessToken({
      body: { name: 'journal pat', publicKey: newKey().publicKey, secondsValid: 3600 },
    })
    secrets.push(pat.accessToken)
    // A wallet and a signature.
    const wallet = await w.root.wallets.createWallet({ body: { network: 'EthereumSepolia' } })
    const signed = await w.root.wallets.generateSignature({
      walletId: wallet.id,
      body: { kind: 'Message', message: toHex('journal') },
    })
    const signature = signed.signature as { r: string; s: string; encoded: string }
    secrets.push(signature.r.replace(/^0x/, ''), signature.s.replace(/^0x/, ''), signature.encoded)
    // An export (the key share and the key itself) and an import.
    const recipientSecret = secp256k1.utils.randomSecretKey()
    const exported = await w.root.wallets.exportWallet({
      walletId: wallet.id,
      body: {
        encryptionKey: hexOf(secp256k1.getPublicKey(recipientSecret, true)),
        supportedSchemes: [{ protocol: 'CGGMP24', curve: 'secp256k1' }],
      },
    })
    const share = exported.encryptedKeyShares[0]!.encryptedKeyShare
    secrets.push(share, hexOf(eciesDecrypt(recipientSecret, share, EXPORT_CONTEXT)))
    const { clusters } = await w.root.signers.listSigners()
    const importSigner = clusters[0]!.signers[0]!
    const imported = secp256k1.utils.randomSecretKey()
    const importShare = eciesEncrypt(
      Uint8Array.from(Buffer.from(importSigner.encryptionKey, 'hex')),
      imported,
      IMPORT_CONTEXT,
    )
    secrets.push(importShare, hexOf(imported))
    await w.root.wallets.importWallet({
      body: {
        network: 'EthereumSepolia',
        curve: 'secp256k1',
        protocol: 'CGGMP24',
        minSigners: 1,
        encryptedKeyShares: [{ signerId: importSigner.signerId, encryptedKeyShare: importShare }],
      },
    })
    // A webhook (its secret is in the creation response).
    const webhook = await w.root.webhooks.createWebhook({
      body: { url: 'https://example.com/journal-hook', events: ['wallet.exported'] },
    })
    secrets.push(webhook.secret)

    const entries = await journal('?limit=100000')
    const text = JSON.stringify(entries)
    for (const secret of secrets) {
      assert.ok(secret.length >= 16, 'a secret worth looking for')
      assert.ok(!text.includes(secret), `the journal holds a secret: ${secret.slice(0, 12)}…`)
    }
    assert.doesNotMatch(text, /eyJ[\w-]+\.[\w-]+\./, 'no JWT anywhere')
    assert.doesNotMatch(text, /PRIVATE KEY/)
    // …while it does journal these requests, with what is not secret.
    const routes = new Set(entries.map((e) => `${e.method} ${e.route}`))
    for (const route of [
      'POST /auth/users',
      'POST /auth/registration/init',
      'POST /auth/registration',
      'POST /auth/login',
      'POST /auth/action/init',
      'POST /auth/action',
      'POST /wallets',
      'POST /wallets/:walletId/signatures',
      'POST /wallets/:walletId/export',
      'POST /wallets/import',
      'POST /webhooks',
    ]) {
      assert.ok(routes.has(route), `${route} journaled (have ${[...routes].join(', ')})`)
    }
    const creation = entries.find((e) => e.method === 'POST' && e.route === '/wallets')!
    assert.equal((creation.response.body as { address: string }).address, wallet.address)
    assert.equal(creation.request.headers.authorization, REDACTED)
    assert.equal(creation.request.headers['x-dfns-useraction'], REDACTED)
    assert.equal(creation.orgId, w.orgId)
  })

  it('filters by route, status, org and time; newest first', async () => {
    const wallet = await w.root.wallets.createWallet({ body: { network: 'EthereumSepolia' } })
    await w.clock.advance(1000)
    const mark = w.clock.now().toISOString()
    await w.root.wallets.getWallet({ walletId: wallet.id })
    await assert.rejects(w.root.wallets.getWallet({ walletId: 'wa-00000-00000-0000000000000000' }))
    const other = await w.bootstrapOrg()
    await rawRequest(w.baseUrl, { method: 'GET', path: '/wallets', token: other.serviceAccount.accessToken })

    const byPattern = await journal(`?route=${encodeURIComponent('/wallets/:walletId')}&since=${mark}`)
    assert.deepEqual(
      byPattern.map((e) => [e.method, e.status]),
      [
        ['GET', 404],
        ['GET', 200],
      ],
    )
    assert.ok(byPattern[0]!.seq > byPattern[1]!.seq, 'newest first')
    const byPath = await journal(`?route=/wallets/${wallet.id}`)
    assert.ok(byPath.length >= 1 && byPath.every((e) => e.path.startsWith(`/wallets/${wallet.id}`)))
    const notFound = await journal(`?status=404&since=${mark}`)
    assert.equal(notFound.length, 1)
    const theirs = await journal(`?orgId=${other.orgId}`)
    assert.ok(theirs.length >= 1 && theirs.every((e) => e.orgId === other.orgId))
    assert.deepEqual(await journal(`?until=${mark}&since=${mark}`), [])
    const bad = await rawRequest(w.baseUrl, {
      method: 'GET',
      path: '/emulator/journal?status=abc',
      token: w.operatorToken,
    })
    assertErrorBody(bad, 400)
    assert.equal(bad.body.error.details.field, 'status')
  })

  it('clears', async () => {
    assert.equal(
      (await rawRequest(w.baseUrl, { method: 'DELETE', path: '/emulator/journal', token: w.operatorToken }))
        .status,
      204,
    )
    assert.deepEqual(await journal(), [])
  })
})

describe(`the journal is bounded (${testDialect})`, () => {
  let w: Walletd
  before(async () => {
    w = await startWalletd({ config: { journalSize: 5 } })
  })
  after(() => w.close())

  it('keeps the last WALLETD_JOURNAL_SIZE requests', async () => {
    for (let i = 0; i < 8; i++) await w.root.wallets.listWallets()
    const res = await rawRequest(w.baseUrl, {
      method: 'GET',
      path: '/emulator/journal',
      token: w.operatorToken,
    })
    assert.equal(res.body.size, 5)
    assert.equal(res.body.items.length, 5)
    // Newest first, the five latest without a gap, however many times the ring went round.
    const seqs = (res.body.items as Entry[]).map((e) => e.seq)
    const newest = seqs[0] as number
    assert.deepEqual(seqs, [newest, newest - 1, newest - 2, newest - 3, newest - 4])
    assert.deepEqual(
      (
        await rawRequest(w.baseUrl, {
          method: 'GET',
          path: '/emulator/journal?limit=2',
          token: w.operatorToken,
        })
      ).body.items.map((e: Entry) => e.seq),
      [newest, newest - 1],
    )
  })

  it('keeps the size of a body over its limit, not the body', async () => {
    const wallet = await w.root.wallets.createWallet({ body: { network: 'EthereumSepolia' } })
    const message = toHex('x'.repeat(JOURNAL_BODY_LIMIT))
    const signed = await w.root.wallets.generateSignature({
      walletId: wallet.id,
      body: { kind: 'Message', message },
    })
    const res = await rawRequest(w.baseUrl, {
      method: 'GET',
      path: '/emulator/journal?method=POST&route=/wallets/:walletId/signatures',
      token: w.operatorToken,
    })
    const entry = (res.body.items as Entry[]).find((e) => e.status === 200)
    assert.ok(entry, JSON.stringify(res.body))
    const sent = Buffer.byteLength(JSON.stringify({ kind: 'Message', message }))
    assert.deepEqual(entry.request.body, { omitted: `${sent} bytes, over the journal's body limit` })
    // The answer echoes the request body, so it is over the limit too: only its size is kept.
    const answered = Buffer.byteLength(JSON.stringify(signed))
    assert.match(
      String((entry.response.body as { omitted: string }).omitted),
      /^\d+ bytes, over the journal's body limit$/,
    )
    assert.ok(answered > JOURNAL_BODY_LIMIT)
  })
})
