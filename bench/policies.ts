// Policy evaluation cost per signature with 0 and with 100,000 prior requests on the wallet, in the
// same run: `node --import tsx bench/policies.ts` (SQLite in a temp file) or with
// DATABASE_URL=postgres://… (a fresh schema there). Prints one JSON object on stdout; progress on
// stderr. The prior requests all lie INSIDE the 30-day velocity window (the worst case: a plain
// range scan would have to sum all of them), and the policies read that window on every request.
//
// Env: BENCH_PRIOR (100000), BENCH_ITERATIONS (2000), BENCH_WARMUP (200).

import { ManualClock } from '../src/clock.ts'
import type { WalletSignActivity } from '../src/domains/policies/activity.ts'
import { createPoliciesModule } from '../src/domains/policies/index.ts'
import { createPriceSource } from '../src/domains/policies/prices.ts'
import { createVelocityLedger } from '../src/domains/policies/velocity-ledger.ts'
import { newId } from '../src/ids.ts'
import { openBenchDatabase } from './lib/database.ts'
import { percentile } from './lib/types.ts'

const PRIOR = Number(process.env.BENCH_PRIOR ?? 100_000)
const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 2000)
const WARMUP = Number(process.env.BENCH_WARMUP ?? 200)
const ORG = 'or-bench'
const MINUTE = 60_000
const WINDOW_MINUTES = 43_200
const log = (message: string) => process.stderr.write(`${message}\n`)

function signature(walletId: string): WalletSignActivity {
  const requestId = newId('signature', Date.now())
  return {
    kind: 'Wallets:Sign',
    orgId: ORG,
    walletId,
    walletTags: ['bench'],
    requestId,
    requestField: 'transferRequest',
    request: { id: requestId, walletId },
    initiator: { userId: 'us-bench', kind: 'CustomerEmployee' },
    recipient: '0x00000000000000000000000000000000000000aa',
    value: { symbol: 'USDC', decimals: 6, amount: '1000000' },
  }
}

async function main(): Promise<void> {
  const { handle, cleanup, dialect } = await openBenchDatabase('policies')
  try {
    const start = Date.parse('2026-01-01T00:00:00.000Z')
    const now = start + WINDOW_MINUTES * MINUTE
    const clock = new ManualClock(now)
    const domain = createPoliciesModule({
      db: handle.db,
      clock,
      prices: createPriceSource({ table: { USDC: 1 } }),
    })
    // Every rule that reads history, over the longest window, plus the per-request ones. NoAction,
    // so every request is evaluated in full and goes on (nothing short-circuits).
    const rules = [
      { kind: 'TransactionCountVelocity', configuration: { limit: 10_000_000, timeframe: WINDOW_MINUTES } },
      {
        kind: 'TransactionAmountVelocity',
        configuration: { limit: 1e12, currency: 'USD', timeframe: WINDOW_MINUTES },
      },
      { kind: 'TransactionAmountVelocity', configuration: { limit: 1e12, currency: 'USD', timeframe: 7 } },
      { kind: 'TransactionAmountLimit', configuration: { limit: 1e9, currency: 'USD' } },
      {
        kind: 'TransactionRecipientWhitelist',
        configuration: { addresses: ['0x00000000000000000000000000000000000000aa'] },
      },
    ]
    for (const rule of rules) {
      await domain.service.create(ORG, {
        name: rule.kind,
        activityKind: 'Wallets:Sign',
        rule,
        action: { kind: 'NoAction' },
      })
    }

    log(`recording ${PRIOR} prior requests on wa-busy inside the window (${dialect})…`)
    const ledger = createVelocityLedger(handle.db)
    const loadStart = performance.now()
    const spacing = (WINDOW_MINUTES * MINUTE - 10 * MINUTE) / PRIOR
    for (let i = 0; i < PRIOR; i++) {
      await ledger.record({
        id: `sig-prior-${i}`,
        orgId: ORG,
        walletId: 'wa-busy',
        date: new Date(start + 5 * MINUTE + Math.floor(i * spacing)),
        amountUsd: 1,
      })
      if (i > 0 && i % 20_000 === 0) log(`  ${i}`)
    }
    const loadSeconds = (performance.now() - loadStart) / 1000

    const measure = async (walletId: string, n: number): Promise<number[]> => {
      const samples: number[] = []
      for (let i = 0; i < n; i++) {
        clock.advance(37)
        const t = performance.now()
        const out = await domain.governance.governWalletRequest(signature(walletId))
        samples.push((performance.now() - t) * 1000)
        if (out.status !== 'Allowed') throw new Error(`unexpected ${out.status}`)
      }
      return samples
    }
    await measure('wa-empty', WARMUP)
    await measure('wa-busy', WARMUP)
    // Interleaved rounds so drift (GC, cache warm-up) hits both wallets alike.
    const empty: number[] = []
    const busy: number[] = []
    const rounds = 10
    for (let r = 0; r < rounds; r++) {
      empty.push(...(await measure('wa-fresh', Math.ceil(ITERATIONS / rounds))))
      busy.push(...(await measure('wa-busy', Math.ceil(ITERATIONS / rounds))))
    }
    const check = await domain.governance.governWalletRequest(signature('wa-busy'))
    const seenCount =
      check.status === 'Allowed'
        ? (check.evaluations.find((e) => e.context?.count !== undefined)?.context?.count as number)
        : -1

    const summary = (samples: number[]) => {
      const sorted = [...samples].sort((a, b) => a - b)
      const mean = samples.reduce((a, b) => a + b, 0) / samples.length
      return {
        iterations: samples.length,
        meanMicros: Math.round(mean),
        p50Micros: Math.round(percentile(sorted, 0.5)),
        p95Micros: Math.round(percentile(sorted, 0.95)),
        p99Micros: Math.round(percentile(sorted, 0.99)),
      }
    }
    const a = summary(empty)
    const b = summary(busy)
    const ratio = b.p50Micros / a.p50Micros
    process.stdout.write(
      `${JSON.stringify(
        {
          case: 'policies.evaluation-per-signature',
          dialect,
          policies: rules.map((r) => r.kind),
          priorRequests: PRIOR,
          priorRequestsSeenInWindow: seenCount,
          loadSeconds: Number(loadSeconds.toFixed(1)),
          withoutHistory: a,
          withHistory: b,
          ratioP50: Number(ratio.toFixed(3)),
          ratioMean: Number((b.meanMicros / a.meanMicros).toFixed(3)),
          withinTwoTimes: ratio <= 2,
        },
        null,
        2,
      )}\n`,
    )
    if (ratio > 2) process.exitCode = 1
  } finally {
    await cleanup()
  }
}

await main()
