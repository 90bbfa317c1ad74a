import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import fc from 'fast-check'
import { createVelocityLedger, type VelocityLedger } from '../../src/domains/policies/velocity-ledger.ts'
import { createTestDatabase, type TestDatabase, testDialect } from '../helpers/database.ts'

const MINUTE = 60_000
const T0 = Date.parse('2026-03-01T00:00:00.000Z')

interface Entry {
  id: string
  walletId: string
  at: number
  amountUsd: number | undefined
  released: boolean
}

/** What the buckets must agree with: a plain scan of the entries. */
function scan(entries: Entry[], walletId: string, from: number, to: number) {
  const inside = entries.filter((e) => e.walletId === walletId && !e.released && e.at >= from && e.at < to)
  return {
    count: inside.length,
    amountUsd: inside.reduce((sum, e) => sum + Math.round((e.amountUsd ?? 0) * 1_000_000), 0) / 1_000_000,
    unpricedCount: inside.filter((e) => e.amountUsd === undefined).length,
  }
}

describe(`velocity ledger (${testDialect})`, () => {
  let database: TestDatabase
  let ledger: VelocityLedger
  before(async () => {
    database = await createTestDatabase()
    ledger = createVelocityLedger(database.db)
  })
  after(() => database.dispose())

  it('agrees with a scan for random requests, releases and windows', async () => {
    let run = 0
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            // Spread over ~3 days so minute, hour and day buckets all get used.
            offset: fc.integer({ min: 0, max: 3 * 24 * 60 * MINUTE }),
            wallet: fc.constantFrom('a', 'b'),
            cents: fc.option(fc.integer({ min: 0, max: 1_000_000 }), { nil: undefined }),
            released: fc.boolean(),
          }),
          { minLength: 1, maxLength: 40 },
        ),
        fc.array(
          fc.record({
            from: fc.integer({ min: -MINUTE, max: 3 * 24 * 60 * MINUTE }),
            length: fc.integer({ min: 0, max: 3 * 24 * 60 * MINUTE }),
          }),
          { minLength: 1, maxLength: 8 },
        ),
        async (requests, windows) => {
          run++
          const entries: Entry[] = requests.map((r, i) => ({
            id: `sig-run${run}-${i}`,
            walletId: `wa-${run}-${r.wallet}`,
            at: T0 + r.offset,
            amountUsd: r.cents === undefined ? undefined : r.cents / 100,
            released: r.released,
          }))
          for (const e of entries) {
            await ledger.record({
              id: e.id,
              orgId: 'or-1',
              walletId: e.walletId,
              date: new Date(e.at),
              amountUsd: e.amountUsd,
            })
          }
          for (const e of entries.filter((x) => x.released)) assert.equal(await ledger.release(e.id), true)
          // Releasing twice and recording twice change nothing.
          for (const e of entries.filter((x) => x.released)) assert.equal(await ledger.release(e.id), false)
          await ledger.record({
            id: entries[0]!.id,
            orgId: 'or-1',
            walletId: entries[0]!.walletId,
            date: new Date(entries[0]!.at),
            amountUsd: 999,
          })
          for (const wallet of ['a', 'b']) {
            for (const w of windows) {
              const from = T0 + w.from
              const to = from + w.length
              const walletId = `wa-${run}-${wallet}`
              const got = await ledger.totals(walletId, from, to)
              const want = scan(entries, walletId, from, to)
              assert.equal(got.count, want.count)
              assert.equal(got.unpricedCount, want.unpricedCount)
              assert.ok(
                Math.abs(got.amountUsd - want.amountUsd) < 1e-6,
                `${got.amountUsd} vs ${want.amountUsd}`,
              )
            }
          }
        },
      ),
      { numRuns: testDialect === 'postgres' ? 15 : 40 },
    )
  })

  it('window(now, T) is (now − T, now]', async () => {
    await ledger.record({
      id: 'sig-edge',
      orgId: 'or-1',
      walletId: 'wa-edge',
      date: new Date(T0),
      amountUsd: 5,
    })
    const at = async (now: number) => (await ledger.window('wa-edge', new Date(now), 10)).count
    assert.equal(await at(T0 - 1), 0, 'not yet')
    assert.equal(await at(T0), 1, 'now is included')
    assert.equal(await at(T0 + 10 * MINUTE - 1), 1)
    assert.equal(await at(T0 + 10 * MINUTE), 0, 'exactly T old has left')
  })
})
