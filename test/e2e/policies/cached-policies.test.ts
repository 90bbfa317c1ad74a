import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { testDialect } from '../../helpers/database.ts'
import { walletGuard } from '../../helpers/policies.ts'
import { rootClientFrom, startWalletd } from '../../helpers/sdk.ts'

/**
 * Each node keeps an org's active policies per policies stamp (read with the token on every
 * request, replaced with every policy change). A policy created, changed or archived through
 * another node must govern the very next request here.
 */
describe(`cached active policies follow changes made on another node (${testDialect})`, () => {
  it('a Block policy created, narrowed and archived on node B applies on node A at once', async () => {
    const w = await startWalletd({ multiNode: true })
    try {
      const nodeB = await w.startNode()
      const rootB = rootClientFrom(nodeB.baseUrl, w.bootstrap)
      const walletId = (await w.root.wallets.createWallet({ body: { network: 'EthereumSepolia' } })).id
      const signOnA = async () =>
        (
          await w.root.wallets.generateSignature({
            walletId,
            body: { kind: 'Hash', hash: `0x${'cd'.repeat(32)}` },
          })
        ).status

      assert.equal(await signOnA(), 'Signed', 'no policy yet')
      assert.equal(await signOnA(), 'Signed', 'node A now keeps the empty list')

      const guard = await walletGuard(rootB, walletId, { kind: 'Block' })
      assert.equal(await signOnA(), 'Rejected', 'created on node B, enforced on node A at the next request')

      const guardOnB = (walletIds: string[]) =>
        rootB.policies.updatePolicy({
          policyId: guard.id,
          body: {
            name: guard.name,
            activityKind: 'Wallets:Sign',
            rule: { kind: 'AlwaysTrigger' },
            action: { kind: 'Block' },
            filters: { walletId: { in: walletIds } },
          },
        })
      await guardOnB(['wa-00000-00000-0000000000000000'])
      assert.equal(await signOnA(), 'Signed', 'narrowed to another wallet on node B')

      await guardOnB([walletId])
      assert.equal(await signOnA(), 'Rejected', 'widened again on node B')

      await rootB.policies.archivePolicy({ policyId: guard.id })
      assert.equal(await signOnA(), 'Signed', 'archived on node B')
    } finally {
      await w.close()
    }
  })
})
