import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { DfnsApiClient } from '@dfns/sdk'
import { createTestDatabase, type TestDatabase, testDialect } from '../../helpers/database.ts'
import { rootClientFrom } from '../../helpers/sdk.ts'
import { runCli, startWalletd } from '../../helpers/walletd-process.ts'

/** `walletd bootstrap --json` and the first-start bootstrap, through the real CLI. */
describe(`walletd bootstrap (${testDialect})`, () => {
  let dataDir: string
  let database: TestDatabase | undefined
  let target: string[]
  before(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'walletd-bootstrap-'))
    if (testDialect === 'postgres') {
      database = await createTestDatabase({ migrate: false })
      target = ['--data-dir', dataDir, '--database-url', database.databaseUrl!]
    } else target = ['--data-dir', dataDir]
  })
  after(async () => {
    await database?.dispose()
    fs.rmSync(dataDir, { recursive: true, force: true })
  })

  it('prints exactly one JSON object; a second run makes another org; the SDK works with it', async () => {
    const first = await runCli(['bootstrap', '--json', ...target])
    assert.equal(first.code, 0, first.stderr)
    const lines = first.stdout.trim().split('\n')
    assert.equal(lines.length, 1, first.stdout)
    const one = JSON.parse(lines[0]!)
    assert.deepEqual(Object.keys(one), ['orgId', 'serviceAccount'])
    assert.deepEqual(Object.keys(one.serviceAccount).sort(), [
      'accessToken',
      'credId',
      'privateKey',
      'tokenId',
      'userId',
    ])
    assert.match(one.serviceAccount.privateKey, /^-----BEGIN PRIVATE KEY-----/)

    const second = JSON.parse((await runCli(['bootstrap', '--json', ...target])).stdout)
    assert.notEqual(second.orgId, one.orgId)

    // The printed credentials drive the official SDK against `walletd start` on the same data.
    const server = await startWalletd(target)
    try {
      const dfns = rootClientFrom(server.baseUrl, one)
      const created = await dfns.auth.createUser({
        body: { email: 'first@example.com', kind: 'CustomerEmployee' },
      })
      assert.equal(created.orgId, one.orgId)
      // Orgs are separate: the second org does not see the first one's user.
      const other = new DfnsApiClient({
        baseUrl: server.baseUrl,
        orgId: second.orgId,
        authToken: second.serviceAccount.accessToken,
      })
      assert.equal((await other.auth.listUsers()).items.length, 0)
      assert.equal(
        fs.existsSync(path.join(dataDir, 'bootstrap.json')),
        false,
        'the database had orgs: no auto-bootstrap',
      )
    } finally {
      await server.stop()
    }
  })

  it('the first start on an empty database writes bootstrap.json (0600) that works', async () => {
    const emptyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'walletd-first-start-'))
    const empty = testDialect === 'postgres' ? await createTestDatabase({ migrate: false }) : undefined
    const args = ['--data-dir', emptyDir, ...(empty ? ['--database-url', empty.databaseUrl!] : [])]
    const server = await startWalletd(args)
    try {
      const file = path.join(emptyDir, 'bootstrap.json')
      // Written before the server listens: ready means the file is there.
      assert.ok(fs.existsSync(file))
      await server.waitForLine((line) => String(line.msg ?? '').includes(`credentials written to ${file}`))
      assert.equal(fs.statSync(file).mode & 0o777, 0o600)
      const bootstrap = JSON.parse(fs.readFileSync(file, 'utf8'))
      const dfns = rootClientFrom(server.baseUrl, bootstrap)
      const sa = await dfns.auth.getServiceAccount({ serviceAccountId: bootstrap.serviceAccount.userId })
      assert.equal(sa.userInfo.permissionAssignments[0]?.permissionName, 'DfnsFullAdminAccess')
    } finally {
      await server.stop()
      await empty?.dispose()
      fs.rmSync(emptyDir, { recursive: true, force: true })
    }
  })
})
