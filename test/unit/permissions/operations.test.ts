import assert from 'node:assert/strict'
import fs from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { describe, it } from 'node:test'
import {
  currentOperations,
  isOperation,
  legacyOperations,
  legacyToCurrent,
  normalizeOperations,
} from '../../../src/domains/permissions/operations.ts'

/** The two groups of `CreatePermissionBody.operations` in the installed SDK's types. */
function sdkOperationGroups(): [string[], string[]] {
  const sdkDir = path.dirname(createRequire(import.meta.url).resolve('@dfns/sdk/package.json'))
  const types = fs.readFileSync(path.join(sdkDir, 'generated/permissions/types.d.ts'), 'utf8')
  const start = types.indexOf('export type CreatePermissionBody')
  const line = types
    .slice(start)
    .split('\n')
    .find((l) => l.trim().startsWith('operations:'))!
  const groups = [...line.matchAll(/\(("[^()]*")\)/g)].map((m) =>
    [...m[1]!.matchAll(/"([^"]+)"/g)].map((n) => n[1]!),
  )
  return [groups[0]!, groups[1]!]
}

describe('operation catalog', () => {
  it('is exactly the SDK 0.8.21 list: current names = group 1, legacy names = group 2', () => {
    const [current, legacy] = sdkOperationGroups()
    assert.deepEqual([...currentOperations].sort(), [...current].sort())
    assert.deepEqual([...legacyOperations].sort(), [...legacy].sort())
  })

  it('legacy names grant their current meaning; names only in the 2024 docs are not operations', () => {
    assert.deepEqual(normalizeOperations(['PermissionAssignments:Create', 'Wallets:Read', 'Wallets:Read']), [
      'Permissions:Assign',
      'Wallets:Read',
    ])
    assert.deepEqual(normalizeOperations(['Auth:Users:Delegate']), [
      'Auth:Login:Delegated',
      'Auth:Recover:Delegated',
      'Auth:Register:Delegated',
    ])
    assert.deepEqual(normalizeOperations(['Alias:Read', 'Not:An:Operation']), [])
    for (const docsOnly of ['Wallets:TransferAsset', 'Wallets:Export', 'Balances:Read']) {
      assert.equal(isOperation(docsOnly), false, docsOnly)
    }
    for (const targets of Object.values(legacyToCurrent)) {
      for (const t of targets) assert.ok((currentOperations as readonly string[]).includes(t), t)
    }
  })
})
