import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, describe, it } from 'node:test'
import { createTestDatabase, type TestDatabase, testDialect } from '../../helpers/database.ts'
import { assertErrorBody } from '../../helpers/error-body.ts'
import { runCli, startWalletd } from '../../helpers/walletd-process.ts'

/** The profile setting and the operator token through the real `walletd start`. */
describe(`walletd start: profiles and the operator token (${testDialect})`, () => {
  const dirs: string[] = []
  const databases: TestDatabase[] = []
  const tempDir = () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'walletd-profile-'))
    dirs.push(dir)
    return dir
  }
  /** `--data-dir` for a fresh directory, plus `--database-url` for a fresh database on PostgreSQL. */
  const target = async (dir: string) => {
    if (testDialect !== 'postgres') return ['--data-dir', dir]
    const database = await createTestDatabase({ migrate: false })
    databases.push(database)
    return ['--data-dir', dir, '--database-url', database.databaseUrl!]
  }
  after(async () => {
    for (const d of databases) await d.dispose()
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true })
  })

  it('development: the token guards /emulator, and the printed instructions say where it is', async () => {
    const dir = tempDir()
    const server = await startWalletd(await target(dir))
    try {
      const file = path.join(dir, 'operator-token')
      let token: string
      if (testDialect === 'postgres') {
        // With PostgreSQL the token comes from WALLETD_OPERATOR_TOKEN (the helper sets it): no file.
        assert.equal(fs.existsSync(file), false)
        token = process.env.WALLETD_OPERATOR_TOKEN ?? 'test-operator-token-0123456789abcdef'
        assert.match(server.lines.map((l) => l.msg).join('\n'), /\$WALLETD_OPERATOR_TOKEN/)
      } else {
        assert.equal(fs.statSync(file).mode & 0o777, 0o600)
        token = fs.readFileSync(file, 'utf8').trim()
        assert.ok(token.length >= 40)
        const listening = await server.waitForLine((l) => String(l.msg).startsWith('walletd listening'))
        assert.ok(String(listening.msg).includes(`$(cat ${file})`), String(listening.msg))
      }
      const stdout = server.lines.map((l) => JSON.stringify(l)).join('\n')
      assert.ok(!stdout.includes(token), 'the token itself is never printed')
      const ok = await fetch(`${server.baseUrl}/emulator/clock`, {
        headers: { authorization: `Bearer ${token}` },
      })
      assert.equal(ok.status, 200)
      const refused = await fetch(`${server.baseUrl}/emulator/clock`)
      assertErrorBody(
        {
          statusCode: refused.status,
          headers: Object.fromEntries(refused.headers),
          body: await refused.text(),
        },
        401,
      )
    } finally {
      await server.stop()
    }
    if (testDialect !== 'postgres') {
      // The next start on the same data dir keeps the token.
      const before = fs.readFileSync(path.join(dir, 'operator-token'), 'utf8')
      const again = await startWalletd(['--data-dir', dir])
      await again.stop()
      assert.equal(fs.readFileSync(path.join(dir, 'operator-token'), 'utf8'), before)
    }
  })

  it('WALLETD_OPERATOR_TOKEN overrides the file; a short one is refused with exit 2', async () => {
    const dir = tempDir()
    const token = randomBytes(24).toString('hex')
    const server = await startWalletd(await target(dir), { WALLETD_OPERATOR_TOKEN: token })
    try {
      const res = await fetch(`${server.baseUrl}/emulator/clock`, {
        headers: { authorization: `Bearer ${token}` },
      })
      assert.equal(res.status, 200)
    } finally {
      await server.stop()
    }
    assert.equal(fs.existsSync(path.join(dir, 'operator-token')), false)
    const short = await runCli(['start', '--port', '0', ...(await target(tempDir()))], {
      WALLETD_OPERATOR_TOKEN: 'short',
    })
    assert.equal(short.code, 2, short.stderr)
    assert.match(short.stderr, /WALLETD_OPERATOR_TOKEN must be at least 24 characters/)
  })

  it('development on PostgreSQL without WALLETD_OPERATOR_TOKEN is refused with exit 2', async (t) => {
    if (testDialect !== 'postgres') return t.skip('PostgreSQL only')
    const result = await runCli(['start', '--port', '0', ...(await target(tempDir()))], {
      WALLETD_OPERATOR_TOKEN: '',
    })
    assert.equal(result.code, 2, result.stderr)
    assert.match(result.stderr, /with PostgreSQL, set WALLETD_OPERATOR_TOKEN/)
  })

  it('production: no emulator routes, no token file, the master key only from the environment', async () => {
    const dir = tempDir()
    const args = ['--profile', 'production', ...(await target(dir))]
    const noKey = await runCli(['start', '--port', '0', ...args], {
      WALLETD_OPERATOR_TOKEN: '',
      WALLETD_MASTER_KEY: '',
    })
    assert.equal(noKey.code, 2, noKey.stderr)
    assert.match(noKey.stderr, /production profile needs the master key in WALLETD_MASTER_KEY/)

    const masterKey = randomBytes(32).toString('hex')
    const withToken = await runCli(['start', '--port', '0', ...args], {
      WALLETD_OPERATOR_TOKEN: randomBytes(24).toString('hex'),
      WALLETD_MASTER_KEY: masterKey,
    })
    assert.equal(withToken.code, 2, withToken.stderr)
    assert.match(withToken.stderr, /WALLETD_OPERATOR_TOKEN: only for the development profile/)

    const server = await startWalletd(args, { WALLETD_OPERATOR_TOKEN: '', WALLETD_MASTER_KEY: masterKey })
    try {
      const res = await fetch(`${server.baseUrl}/emulator/clock`)
      assertErrorBody(
        { statusCode: res.status, headers: Object.fromEntries(res.headers), body: await res.text() },
        404,
      )
      const listening = await server.waitForLine((l) => String(l.msg).startsWith('walletd listening'))
      assert.equal(listening.profile, 'production')
      assert.doesNotMatch(String(listening.msg), /operator token/)
    } finally {
      await server.stop()
    }
    assert.equal(fs.existsSync(path.join(dir, 'operator-token')), false)
    assert.equal(fs.existsSync(path.join(dir, 'master.key')), false)
  })

  it('an unknown profile is refused with exit 2', async () => {
    const result = await runCli(['start', '--port', '0', '--profile', 'staging', '--data-dir', tempDir()])
    assert.equal(result.code, 2)
    assert.match(result.stderr, /profile must be development or production, got "staging"/)
  })
})
