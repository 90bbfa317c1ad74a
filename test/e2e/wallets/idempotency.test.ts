import assert from 'node:assert/strict'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { DfnsApiClient, type DfnsError } from '@dfns/sdk'
import { AsymmetricKeySigner } from '@dfns/sdk-keysigner'
import { keccak256, toHex } from 'viem'
import { testDialect } from '../../helpers/database.ts'
import { startWalletd, type Walletd } from '../../helpers/sdk.ts'

/**
 * A gate in front of walletd nodes: an HTTP proxy that holds every `POST …/signatures` until
 * `count` of them have arrived, then forwards them all at once. The user actions are obtained one
 * by one as usual; the signature requests themselves then reach the server together and race for
 * the externalId for real (without it they would arrive spread out by their user actions).
 */
async function signatureGate(w: Walletd, count: number, targets: readonly string[]) {
  let arrived = 0
  let release!: () => void
  const barrier = new Promise<void>((resolve) => {
    release = resolve
  })
  const servers = await Promise.all(
    targets.map(async (target) => {
      const server = http.createServer(async (req, res) => {
        const chunks: Buffer[] = []
        for await (const chunk of req) chunks.push(chunk as Buffer)
        if (req.method === 'POST' && /\/signatures$/.test(req.url ?? '')) {
          if (++arrived === count) release()
          await barrier
        }
        const upstream = http.request(
          new URL(req.url ?? '/', target),
          { method: req.method, headers: req.headers },
          (response) => {
            res.writeHead(response.statusCode ?? 502, response.headers)
            response.pipe(res)
          },
        )
        upstream.end(Buffer.concat(chunks))
      })
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
      return server
    }),
  )
  const clients = servers.map(
    (server) =>
      new DfnsApiClient({
        baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        orgId: w.orgId,
        authToken: w.bootstrap.serviceAccount.accessToken,
        signer: new AsymmetricKeySigner({
          credId: w.bootstrap.serviceAccount.credId,
          privateKey: w.bootstrap.serviceAccount.privateKey,
        }),
      }),
  )
  return {
    clients,
    close: () => Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve)))),
  }
}
type Wallet = Awaited<ReturnType<Walletd['root']['wallets']['createWallet']>>

const conflictOn = (duplicate: { id: string; externalId: string }) => (err: DfnsError) => {
  const body = (err.context as { body: { error: { status: number; message: string; details: unknown } } })
    .body
  assert.equal(err.httpStatus, 409, JSON.stringify(body))
  assert.equal(body.error.status, 409)
  assert.equal(body.error.message, 'Conflicting signature request with same externalId')
  assert.deepEqual(body.error.details, { duplicate })
  return true
}

/** externalId as the idempotency key of signature requests. */
describe(`signature idempotency by externalId (${testDialect})`, () => {
  let w: Walletd
  let wallet: Wallet
  before(async () => {
    w = await startWalletd({ multiNode: true })
    wallet = await w.root.wallets.createWallet({ body: { network: 'EthereumSepolia' } })
  })
  after(() => w.close())

  const hash = (label: string) => keccak256(toHex(label))

  it('the identical request again answers 200 with the original, whatever the key order', async () => {
    const first = await w.root.wallets.generateSignature({
      walletId: wallet.id,
      body: { kind: 'Hash', hash: hash('once'), externalId: 'idem-1' },
    })
    assert.equal(first.externalId, 'idem-1')
    assert.equal(first.requestBody.externalId, 'idem-1')
    w.clock.advance(5000)
    const again = await w.root.wallets.generateSignature({
      walletId: wallet.id,
      body: { externalId: 'idem-1', hash: hash('once'), kind: 'Hash' },
    })
    assert.deepEqual(again, first)
    const list = await w.root.wallets.listSignatures({ walletId: wallet.id })
    assert.equal(list.items.filter((x) => x.externalId === 'idem-1').length, 1)
  })

  it('the same externalId with another body, another wallet or the key route is a 409 naming the original', async () => {
    const original = await w.root.wallets.generateSignature({
      walletId: wallet.id,
      body: { kind: 'Hash', hash: hash('a'), externalId: 'idem-2' },
    })
    const duplicate = { id: original.id, externalId: 'idem-2' }
    await assert.rejects(
      w.root.wallets.generateSignature({
        walletId: wallet.id,
        body: { kind: 'Hash', hash: hash('b'), externalId: 'idem-2' },
      }),
      conflictOn(duplicate),
    )
    const otherWallet = await w.root.wallets.createWallet({ body: { network: 'EthereumSepolia' } })
    await assert.rejects(
      w.root.wallets.generateSignature({
        walletId: otherWallet.id,
        body: { kind: 'Hash', hash: hash('a'), externalId: 'idem-2' },
      }),
      conflictOn(duplicate),
    )
    await assert.rejects(
      w.root.keys.generateSignature({
        keyId: wallet.signingKey.id,
        body: { kind: 'Hash', hash: hash('a'), externalId: 'idem-2' },
      }),
      conflictOn(duplicate),
    )
  })

  it('a request refused as invalid leaves its externalId free', async () => {
    await assert.rejects(
      w.root.wallets.generateSignature({
        walletId: wallet.id,
        body: { kind: 'Hash', hash: '0x1234', externalId: 'idem-3' },
      }),
      (err: DfnsError) => err.httpStatus === 400,
    )
    const signed = await w.root.wallets.generateSignature({
      walletId: wallet.id,
      body: { kind: 'Hash', hash: hash('c'), externalId: 'idem-3' },
    })
    assert.equal(signed.status, 'Signed')
  })

  it('a replay answers the current state: after the key is deleted it still returns the original', async () => {
    const other = await w.root.wallets.createWallet({ body: { network: 'Base' } })
    const body = { kind: 'Hash' as const, hash: hash('before delete'), externalId: 'idem-4' }
    const first = await w.root.wallets.generateSignature({ walletId: other.id, body })
    await w.root.keys.deleteKey({ keyId: other.signingKey.id })
    assert.deepEqual(await w.root.wallets.generateSignature({ walletId: other.id, body }), first)
  })

  it('a retry of a request whose node stopped answers without waiting long: Executing while its lease runs, Failed once it ran out', async () => {
    // What a node leaves behind when it stops between storing a request and signing it.
    const body = { kind: 'Hash', hash: hash('abandoned'), externalId: 'stuck-1' }
    const id = 'sig-00000-00000-abandoned0000000'
    await w.database.db
      .insertInto('signature_requests')
      .values({
        id,
        org_id: w.orgId,
        wallet_id: wallet.id,
        key_id: wallet.signingKey.id,
        network: wallet.network,
        target: `wallet:${wallet.id}`,
        requester_user_id: w.bootstrap.serviceAccount.userId,
        requester_token_id: null,
        request_body: JSON.stringify(body),
        canonical_body: JSON.stringify({ externalId: body.externalId, hash: body.hash, kind: body.kind }),
        status: 'Executing',
        reason: null,
        signature: null,
        signatures: null,
        signed_data: null,
        approval_id: null,
        external_id: body.externalId,
        date_requested: w.clock.now().toISOString(),
        date_policy_resolved: null,
        date_signed: null,
        lease_until: new Date(w.clock.now().getTime() + 60_000).toISOString(),
      })
      .execute()
    // Its lease still runs: the retry answers the request as it stands (after a short wait).
    const early = await w.root.wallets.generateSignature({ walletId: wallet.id, body: body as never })
    assert.equal(early.id, id)
    assert.equal(early.status, 'Executing')
    w.clock.advance(60_001)
    const replayed = await w.root.wallets.generateSignature({ walletId: wallet.id, body: body as never })
    assert.equal(replayed.id, id)
    assert.equal(replayed.status, 'Failed')
    assert.match(replayed.reason!, /interrupted/)
    assert.equal(replayed.signature, undefined)
  })

  it('50 identical concurrent requests make one signature request and 50 identical 200s', async () => {
    const body = { kind: 'Hash' as const, hash: hash('race'), externalId: 'race-1' }
    const gate = await signatureGate(w, 50, [w.baseUrl])
    const [client] = gate.clients
    const results = await Promise.all(
      Array.from({ length: 50 }, () => client!.wallets.generateSignature({ walletId: wallet.id, body })),
    ).finally(gate.close)
    assert.equal(new Set(results.map((r) => r.id)).size, 1)
    for (const r of results) assert.deepEqual(r, results[0])
    assert.equal(results[0]!.status, 'Signed')
    const all = await w.root.wallets.listSignatures({ walletId: wallet.id, query: { limit: 500 } })
    assert.equal(all.items.filter((x) => x.externalId === 'race-1').length, 1)
  })

  it('50 identical concurrent requests spread over two nodes make one signature request', async () => {
    const node = await w.startNode()
    const gate = await signatureGate(w, 50, [w.baseUrl, node.baseUrl])
    const [firstNode, secondNode] = gate.clients
    const body = { kind: 'Hash' as const, hash: hash('two nodes'), externalId: 'race-2' }
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        (i % 2 ? secondNode! : firstNode!).wallets.generateSignature({ walletId: wallet.id, body }),
      ),
    ).finally(gate.close)
    assert.equal(new Set(results.map((r) => r.id)).size, 1)
    for (const r of results) assert.deepEqual(r, results[0])
    const all = await w.root.wallets.listSignatures({ walletId: wallet.id, query: { limit: 500 } })
    assert.equal(all.items.filter((x) => x.externalId === 'race-2').length, 1)
  })
})
