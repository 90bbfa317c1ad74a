import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { createTestDatabase, type TestDatabase, testDialect } from '../../helpers/database.ts'
import { runCli } from '../../helpers/walletd-process.ts'

/** `walletd org plan` through the real CLI, on the data dir (SQLite) or --database-url. */
describe(`walletd org plan (${testDialect})`, () => {
  let dataDir: string
  let database: TestDatabase | undefined
  let target: string[]
  let orgId: string
  before(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'walletd-org-plan-'))
    if (testDialect === 'postgres') {
      database = await createTestDatabase({ migrate: false })
      target = ['--data-dir', dataDir, '--database-url', database.databaseUrl!]
    } else target = ['--data-dir', dataDir]
    const boot = await runCli(['bootstrap', '--json', ...target])
    assert.equal(boot.code, 0, boot.stderr)
    orgId = JSON.parse(boot.stdout).orgId
  })
  after(async () => {
    await database?.dispose()
    fs.rmSync(dataDir, { recursive: true, force: true })
  })

  it('shows the default plan: Developer, unlimited on the embedded default, 5 webhooks, paid features off', async () => {
    const shown = await runCli(['org', 'plan', orgId, ...target])
    assert.equal(shown.code, 0, shown.stderr)
    assert.equal(
      shown.stdout,
      [
        `org           ${orgId}`,
        'plan          Developer',
        'rate limit    unlimited',
        'webhooks      5',
        'walletExport  disabled',
        'walletImport  disabled',
        'chainalysis   disabled',
        'globalLedger  disabled',
        'travelRule    disabled',
        '',
      ].join('\n'),
    )
  })

  it('changes it: a template, then features, webhooks and the rate limit on top; the change persists', async () => {
    const changed = await runCli([
      'org',
      'plan',
      orgId,
      '--plan',
      'Developer',
      '--enable',
      'walletExport',
      '--enable',
      'chainalysis',
      '--webhooks',
      '9',
      '--rate-limit',
      '120',
      '--json',
      ...target,
    ])
    assert.equal(changed.code, 0, changed.stderr)
    const plan = JSON.parse(changed.stdout)
    assert.deepEqual(plan, {
      orgId,
      name: 'Developer',
      rateLimitPerMinute: 120,
      features: {
        walletExport: true,
        walletImport: false,
        chainalysis: true,
        globalLedger: false,
        travelRule: false,
        webhooks: 9,
      },
    })
    const disabled = await runCli(['org', 'plan', orgId, '--disable', 'walletExport', '--json', ...target])
    assert.equal(JSON.parse(disabled.stdout).features.walletExport, false)
    assert.equal(JSON.parse(disabled.stdout).rateLimitPerMinute, 120)
    const enterprise = JSON.parse(
      (await runCli(['org', 'plan', orgId, '--plan', 'Enterprise', '--json', ...target])).stdout,
    )
    assert.equal(enterprise.name, 'Enterprise')
    assert.equal(enterprise.features.walletImport, true)
  })

  it('refuses what it cannot do, with exit codes 2 (usage) and 1 (no such org)', async () => {
    const cases: [string[], number, RegExp][] = [
      [['org', 'plan', orgId, '--plan', 'Gold'], 2, /--plan must be one of Developer, Enterprise/],
      [['org', 'plan', orgId, '--enable', 'teleport'], 2, /not a feature/],
      [['org', 'plan', orgId, '--rate-limit=-3'], 2, /whole number/],
      [['org', 'plan', orgId, '--webhooks', 'many'], 2, /whole number/],
      [
        ['org', 'plan', orgId, '--enable', 'chainalysis', '--disable', 'chainalysis'],
        2,
        /both enable and disable/,
      ],
      [['org', 'plan'], 2, /usage: walletd org plan/],
      [
        ['org', 'plan', 'or-00000-00000-0000000000000000'],
        1,
        /org or-00000-00000-0000000000000000 not found/,
      ],
    ]
    for (const [args, code, message] of cases) {
      const out = await runCli([...args, ...target])
      assert.equal(out.code, code, `${args.join(' ')}: ${out.stderr}`)
      assert.match(out.stderr, message)
    }
  })
})
