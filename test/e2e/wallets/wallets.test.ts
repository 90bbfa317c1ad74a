import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { DfnsApiClient } from '@dfns/sdk'
import { ed25519 } from '@noble/curves/ed25519.js'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { base58 } from '@scure/base'
import * as btc from '@scure/btc-signer'
import { publicKeyToAddress } from 'viem/accounts'
import { testDialect } from '../../helpers/database.ts'
import { failsWith } from '../../helpers/fails-with.ts'
import { assertErrorBody, rawRequest, startWalletd, type Walletd } from '../../helpers/sdk.ts'

/** Wallets through the official SDK: create, get, list, update, tags, delegate, and their refusals. */
describe(`wallets (${testDialect})`, () => {
  let w: Walletd
  before(async () => {
    w = await startWalletd()
  })
  after(() => w.close())

  it('creates an EVM wallet whose address is what viem derives from its public key', async () => {
    const wallet = await w.root.wallets.createWallet({
      body: { network: 'EthereumSepolia', name: 'treasury', externalId: 'ext-1', tags: ['hot', 'eu'] },
    })
    assert.match(wallet.id, /^wa-[0-9a-z]{5}-[0-9a-z]{5}-[0-9a-z]{16}$/)
    assert.match(wallet.signingKey.id, /^key-/)
    assert.equal(wallet.signingKey.scheme, 'ECDSA')
    assert.equal(wallet.signingKey.curve, 'secp256k1')
    assert.match(wallet.signingKey.publicKey, /^0[23][0-9a-f]{64}$/, 'compressed, hex without 0x')
    const uncompressed = secp256k1.Point.fromHex(wallet.signingKey.publicKey).toHex(false)
    assert.equal(wallet.address, publicKeyToAddress(`0x${uncompressed}`))
    assert.deepEqual(
      {
        status: wallet.status,
        custodial: wallet.custodial,
        name: wallet.name,
        externalId: wallet.externalId,
      },
      { status: 'Active', custodial: true, name: 'treasury', externalId: 'ext-1' },
    )
    assert.deepEqual(wallet.tags, ['hot', 'eu'])
    assert.equal(wallet.dateDeleted, undefined)
    assert.deepEqual(await w.root.wallets.getWallet({ walletId: wallet.id }), wallet)
  })

  it('derives Bitcoin P2WPKH and Taproot addresses as btc-signer does, and Solana as base58', async () => {
    const segwit = await w.root.wallets.createWallet({ body: { network: 'BitcoinTestnet3' } })
    const pub = Buffer.from(segwit.signingKey.publicKey, 'hex')
    assert.equal(segwit.address, btc.p2wpkh(pub, btc.TEST_NETWORK).address)

    const taproot = await w.root.wallets.createWallet({
      body: { network: 'Bitcoin', signingKey: { scheme: 'Schnorr', curve: 'secp256k1' } },
    })
    assert.equal(taproot.signingKey.scheme, 'Schnorr')
    const xOnly = Buffer.from(taproot.signingKey.publicKey, 'hex').subarray(-32)
    assert.equal(taproot.address, btc.p2tr(xOnly, undefined, btc.NETWORK).address)

    const solana = await w.root.wallets.createWallet({ body: { network: 'SolanaDevnet' } })
    assert.deepEqual([solana.signingKey.scheme, solana.signingKey.curve], ['EdDSA', 'ed25519'])
    assert.equal(solana.address, base58.encode(Buffer.from(solana.signingKey.publicKey, 'hex')))
    assert.equal(ed25519.Point.fromHex(solana.signingKey.publicKey).toHex(), solana.signingKey.publicKey)
  })

  it('leaves the address out on Key* networks', async () => {
    const wallet = await w.root.wallets.createWallet({ body: { network: 'KeyEdDSA' } })
    assert.equal('address' in wallet, false)
    assert.equal(wallet.signingKey.curve, 'ed25519')
  })

  it('reuses a key on another network with the same address, and lists the key\u2019s wallets', async () => {
    const first = await w.root.wallets.createWallet({ body: { network: 'Ethereum' } })
    const second = await w.root.wallets.createWallet({
      body: { network: 'Polygon', signingKey: { id: first.signingKey.id } },
    })
    assert.equal(second.signingKey.id, first.signingKey.id)
    assert.equal(second.address, first.address)
    const key = await w.root.keys.getKey({ keyId: first.signingKey.id })
    assert.deepEqual(key.wallets.map((x) => x.id).sort(), [first.id, second.id].sort())
    assert.equal(key.store.kind, 'Mpc')
    // An EVM key cannot serve Solana: 400 naming the field and the allowed key types.
    await assert.rejects(
      w.root.wallets.createWallet({ body: { network: 'Solana', signingKey: { id: first.signingKey.id } } }),
      failsWith(400, 'signingKey.id'),
    )
  })

  it('refuses an unknown network and a key type the network cannot use, naming the allowed values', async () => {
    await assert.rejects(
      w.root.wallets.createWallet({ body: { network: 'Atlantis' as never } }),
      failsWith(400, ({ details }) => {
        assert.equal(details.field, 'network')
        assert.ok((details.allowed as string[]).includes('EthereumSepolia'))
      }),
    )
    await assert.rejects(
      w.root.wallets.createWallet({
        body: { network: 'Ethereum', signingKey: { scheme: 'EdDSA', curve: 'ed25519' } },
      }),
      failsWith(400, ({ details, message }) => {
        assert.equal(details.field, 'signingKey')
        assert.match(message, /ECDSA\/secp256k1/)
      }),
    )
  })

  it('updates name and externalId, and null clears them', async () => {
    const wallet = await w.root.wallets.createWallet({ body: { network: 'Base', name: 'a' } })
    const renamed = await w.root.wallets.updateWallet({
      walletId: wallet.id,
      body: { name: 'b', externalId: 'crm-42' },
    })
    assert.deepEqual([renamed.name, renamed.externalId], ['b', 'crm-42'])
    const cleared = await w.root.wallets.updateWallet({
      walletId: wallet.id,
      body: { name: null, externalId: null },
    })
    assert.equal('name' in cleared, false)
    assert.equal('externalId' in cleared, false)
    const untouched = await w.root.wallets.updateWallet({ walletId: wallet.id, body: {} })
    assert.deepEqual(untouched, cleared)
  })

  it('adds and removes tags, answering {}', async () => {
    const wallet = await w.root.wallets.createWallet({ body: { network: 'Base', tags: ['a'] } })
    assert.deepEqual(
      await w.root.wallets.tagWallet({ walletId: wallet.id, body: { tags: ['b', 'a', 'c'] } }),
      {},
    )
    assert.deepEqual((await w.root.wallets.getWallet({ walletId: wallet.id })).tags, ['a', 'b', 'c'])
    assert.deepEqual(
      await w.root.wallets.untagWallet({ walletId: wallet.id, body: { tags: ['a', 'zzz'] } }),
      {},
    )
    assert.deepEqual((await w.root.wallets.getWallet({ walletId: wallet.id })).tags, ['b', 'c'])
  })

  it('keeps every tag of concurrent tag requests', async () => {
    const wallet = await w.root.wallets.createWallet({ body: { network: 'Base' } })
    const clients = await Promise.all([1, 2, 3, 4].map(() => w.newServiceAccount()))
    await Promise.all(
      clients.map((c, i) => c.client.wallets.tagWallet({ walletId: wallet.id, body: { tags: [`t${i}`] } })),
    )
    assert.deepEqual((await w.root.wallets.getWallet({ walletId: wallet.id })).tags.sort(), [
      't0',
      't1',
      't2',
      't3',
    ])
  })

  it('pages through the list newest first with a cursor, and bounds the limit', async () => {
    const org = await startWalletd()
    try {
      const created: string[] = []
      for (let i = 0; i < 5; i++) {
        org.clock.advance(1)
        created.push((await org.root.wallets.createWallet({ body: { network: 'KeyECDSA' } })).id)
      }
      const seen: string[] = []
      let token: string | undefined
      let pages = 0
      do {
        const page = await org.root.wallets.listWallets({
          query: { limit: 2, ...(token ? { paginationToken: token } : {}) },
        })
        seen.push(...page.items.map((x) => x.id))
        token = page.nextPageToken
        pages++
      } while (token)
      assert.deepEqual(seen, [...created].reverse())
      assert.equal(pages, 3)
      const all = await org.root.wallets.listWallets({})
      assert.equal(all.items.length, 5)
      assert.equal(all.nextPageToken, undefined)
      await assert.rejects(org.root.wallets.listWallets({ query: { limit: 501 } }), failsWith(400))
      await assert.rejects(
        org.root.wallets.listWallets({ query: { paginationToken: 'garbage!' } }),
        failsWith(400, 'paginationToken'),
      )
    } finally {
      await org.close()
    }
  })

  it('answers 404 for another org\u2019s wallet, on every wallet route', async () => {
    const wallet = await w.root.wallets.createWallet({ body: { network: 'Base' } })
    const other = await w.bootstrapOrg()
    const stranger = new DfnsApiClient({
      baseUrl: w.baseUrl,
      orgId: other.orgId,
      authToken: other.serviceAccount.accessToken,
    })
    const response = await rawRequest(w.baseUrl, {
      method: 'GET',
      path: `/wallets/${wallet.id}`,
      token: other.serviceAccount.accessToken,
    })
    assertErrorBody(response, 404, `wallet ${wallet.id} not found`)
    await assert.rejects(stranger.wallets.listSignatures({ walletId: wallet.id }), failsWith(404))
    assert.deepEqual((await stranger.wallets.listWallets({})).items, [])
  })
})
