import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { testDialect } from '../../helpers/database.ts'
import { failsWith } from '../../helpers/fails-with.ts'
import { KeyCredentialSigner, newKey, startWalletd, type Walletd } from '../../helpers/sdk.ts'

/** registerEndUser with `wallets`: the new end user's own, delegated wallets. */
describe(`end users registered with wallets (${testDialect})`, () => {
  let w: Walletd
  before(async () => {
    w = await startWalletd()
  })
  after(() => w.close())

  it('creates each wallet delegated to the new end user, who sees exactly those', async () => {
    const orgWallet = await w.root.wallets.createWallet({ body: { network: 'Base' } })
    const challenge = await w.root.auth.createDelegatedRegistrationChallenge({
      body: { email: 'holder@example.com', kind: 'EndUser' },
    })
    const signer = new KeyCredentialSigner(newKey())
    const withTemp = w.client(challenge.temporaryAuthenticationToken)
    const firstFactorCredential = await signer.create(challenge)

    // A network walletd does not know is refused before anything is written...
    await assert.rejects(
      withTemp.auth.registerEndUser({
        body: { firstFactorCredential, wallets: [{ network: 'Base' }, { network: 'Narnia' as never }] },
      }),
      failsWith(400, 'body.wallets.1.network'),
    )
    // ... so the same challenge still registers.
    const registered = await withTemp.auth.registerEndUser({
      body: { firstFactorCredential, wallets: [{ network: 'Base', name: 'main' }, { network: 'Solana' }] },
    })
    const userId = registered.user.id
    assert.equal(registered.wallets.length, 2)
    assert.deepEqual(
      registered.wallets.map((x) => [x.network, x.name, x.signingKey.delegatedTo, x.custodial]),
      [
        ['Base', 'main', userId, false],
        ['Solana', undefined, userId, false],
      ],
    )
    assert.match(registered.wallets[0]!.address ?? '', /^0x[0-9a-fA-F]{40}$/)

    const endUser = w.client(registered.authentication.token, signer)
    const seen = (await endUser.wallets.listWallets({})).items.map((x) => x.id).sort()
    assert.deepEqual(seen, registered.wallets.map((x) => x.id).sort())
    await assert.rejects(endUser.wallets.getWallet({ walletId: orgWallet.id }), failsWith(404))
    // The org sees them under their owner.
    const owned = await w.root.wallets.listWallets({ query: { owner: userId } })
    assert.deepEqual(owned.items.map((x) => x.id).sort(), seen)
  })
})
