import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { startWalletd, type Walletd } from '../../helpers/sdk.ts'

/**
 * The SQL statements the hot paths send, read from `walletd_sql_statements_total` at /metrics (the
 * same counter `npm run bench -- hot-paths` reports). Each bound is today's count: a change that
 * adds a statement to these paths fails here and must lower nothing else to pass. Lower a bound
 * when a change removes statements. (Counts, not times: they do not depend on the machine.)
 */
const READ_STATEMENTS = 2
const SIGNATURE_FLOW_STATEMENTS = 13

describe('SQL statements per request', () => {
  let w: Walletd
  let walletId: string

  const statements = async () => {
    const text = await (await fetch(`${w.baseUrl}/metrics`)).text()
    const line = text.split('\n').find((l) => l.startsWith('walletd_sql_statements_total '))
    assert.ok(line, 'walletd_sql_statements_total is exported')
    return Number(line.split(' ')[1])
  }
  // A scrape runs statements of its own (the webhook queue gauges): measured, then taken off.
  const costOf = async (call: () => Promise<unknown>) => {
    const first = await statements()
    const before = await statements()
    await call()
    return (await statements()) - before - (before - first)
  }
  const sign = () =>
    w.root.wallets.generateSignature({ walletId, body: { kind: 'Hash', hash: `0x${'ab'.repeat(32)}` } })

  before(async () => {
    // Background jobs would add their own polling statements to the count.
    w = await startWalletd({ deps: { runJobs: false } })
    walletId = (await w.root.wallets.createWallet({ body: { network: 'EthereumSepolia' } })).id
    await w.root.wallets.getWallet({ walletId })
    await sign()
  })
  after(() => w.close())

  it('an authenticated read (getWallet) sends at most its bound', async () => {
    const count = await costOf(() => w.root.wallets.getWallet({ walletId }))
    assert.ok(count > 0, 'the counter moves')
    assert.ok(count <= READ_STATEMENTS, `getWallet sent ${count} statements (bound ${READ_STATEMENTS})`)
  })

  it("the SDK's Hash signature flow (init, user action, request) sends at most its bound", async () => {
    const count = await costOf(sign)
    assert.ok(
      count <= SIGNATURE_FLOW_STATEMENTS,
      `the signature flow sent ${count} statements (bound ${SIGNATURE_FLOW_STATEMENTS})`,
    )
  })
})
