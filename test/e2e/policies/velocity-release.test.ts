import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { DfnsError } from '@dfns/sdk'
import { keccak256, toHex } from 'viem'
import { testDialect } from '../../helpers/database.ts'
import { countLimitPolicy } from '../../helpers/policies.ts'
import { startWalletd, type Walletd } from '../../helpers/sdk.ts'

/**
 * A signature request the policies allowed but that then failed moved nothing: it leaves the
 * velocity windows, on both routes, so it does not use up the wallet's allowance.
 */
describe(`a signature that fails after being allowed leaves the velocity windows (${testDialect})`, () => {
  let w: Walletd
  before(async () => {
    w = await startWalletd()
  })
  after(() => w.close())

  /** Makes the key's sealed material unreadable (as a wrong master key would), and returns the undo. */
  async function breakKeyMaterial(keyId: string, donorKeyId: string): Promise<() => Promise<void>> {
    const db = w.database.db
    const read = (id: string) =>
      db
        .selectFrom('custody_keys')
        .select('sealed_private_key')
        .where('key_id', '=', id)
        .executeTakeFirstOrThrow()
    const original = (await read(keyId)).sealed_private_key
    // Another key's ciphertext is bound to the other key id: it does not open under this one.
    const foreign = (await read(donorKeyId)).sealed_private_key
    await db
      .updateTable('custody_keys')
      .set({ sealed_private_key: foreign })
      .where('key_id', '=', keyId)
      .execute()
    return async () => {
      await db
        .updateTable('custody_keys')
        .set({ sealed_private_key: original })
        .where('key_id', '=', keyId)
        .execute()
    }
  }

  for (const route of ['wallet', 'key'] as const) {
    it(`on the ${route} route: a count limit of 1 still lets the next request through after a failed one`, async () => {
      const wallet = await w.root.wallets.createWallet({ body: { network: 'EthereumSepolia' } })
      const donor = await w.root.wallets.createWallet({ body: { network: 'EthereumSepolia' } })
      await w.root.policies.createPolicy({ body: countLimitPolicy(wallet.id, 1) })
      const sign = (label: string) => {
        const body = { kind: 'Hash' as const, hash: keccak256(toHex(label)) }
        return route === 'wallet'
          ? w.root.wallets.generateSignature({ walletId: wallet.id, body })
          : w.root.keys.generateSignature({ keyId: wallet.signingKey.id, body })
      }

      const repair = await breakKeyMaterial(wallet.signingKey.id, donor.signingKey.id)
      await assert.rejects(sign('fails while signing'), (err: DfnsError) => err.httpStatus === 500)
      await repair()
      const stored = await w.root.keys.listSignatures({ keyId: wallet.signingKey.id })
      assert.deepEqual(
        stored.items.map((s) => [s.status, s.reason]),
        [['Failed', 'signing failed']],
      )

      const next = await sign('the one allowed this hour')
      assert.equal(next.status, 'Signed', next.reason)
      const over = await sign('one too many')
      assert.equal(over.status, 'Rejected')
      assert.match(over.reason ?? '', /Transaction count \(2\) is above limit \(1\)/)
    })
  }
})
