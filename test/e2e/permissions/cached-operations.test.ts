import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { DfnsError } from '@dfns/sdk'
import { testDialect } from '../../helpers/database.ts'
import { rootClientFrom, startWalletd } from '../../helpers/sdk.ts'

async function status(promise: Promise<unknown>): Promise<number> {
  try {
    await promise
    return 200
  } catch (err) {
    assert.ok(err instanceof DfnsError, String(err))
    return err.httpStatus
  }
}

/**
 * Each node keeps the operations it computed per identity and org permissions stamp (the stamp is
 * read with the token on every request and replaced with every change). A change made through
 * another node must still apply at the very next request here.
 */
describe(`cached operations follow changes made on another node (${testDialect})`, () => {
  it('revoke, re-assign and a permission update on node B apply on node A at once', async () => {
    const w = await startWalletd({ multiNode: true })
    try {
      const nodeB = await w.startNode()
      const rootB = rootClientFrom(nodeB.baseUrl, w.bootstrap)
      const permission = await w.root.permissions.createPermission({
        body: { name: `readers-${Date.now()}`, operations: ['Wallets:Read'] },
      })
      const sa = await w.newServiceAccount({ permissionId: permission.id })
      const readOnA = () => status(sa.client.wallets.listWallets({}))

      assert.equal(await readOnA(), 200)
      assert.equal(await readOnA(), 200, 'served again from what node A keeps')

      const { items } = await rootB.permissions.listAssignments({ permissionId: permission.id })
      const assignment = items.find((a) => a.identityId === sa.userId)
      assert.ok(assignment, 'the service account holds the permission')
      await rootB.permissions.deleteAssignment({ permissionId: permission.id, assignmentId: assignment.id })
      assert.equal(await readOnA(), 403, 'revoked on node B, refused on node A at the next request')

      await rootB.permissions.createAssignment({
        permissionId: permission.id,
        body: { identityId: sa.userId },
      })
      assert.equal(await readOnA(), 200, 'assigned again on node B')

      await rootB.permissions.updatePermission({
        permissionId: permission.id,
        body: { name: permission.name, operations: ['Wallets:Create'] },
      })
      assert.equal(await readOnA(), 403, 'the operation left the permission on node B')
    } finally {
      await w.close()
    }
  })
})
