import { loadAverage, runBenchScript } from '../lib/processes.ts'
import type { BenchCase } from '../lib/types.ts'

interface Summary {
  iterations: number
  meanMicros: number
  p50Micros: number
  p95Micros: number
  p99Micros: number
}
/** What bench/policies.ts prints. */
interface PoliciesResult {
  dialect: string
  policies: string[]
  priorRequests: number
  priorRequestsSeenInWindow: number
  loadSeconds: number
  withoutHistory: Summary
  withHistory: Summary
}

const PRIOR = 100_000

/** Issue 6: policy evaluation per signature with 0 and with 100,000 prior requests on the wallet. */
const policies: BenchCase = {
  name: 'policies',
  title: 'Policy evaluation per signature: 0 vs 100,000 prior requests on the wallet',
  async run({ log }) {
    const r = await runBenchScript<PoliciesResult>('bench/policies.ts', {
      env: { BENCH_PRIOR: String(PRIOR) },
      log,
    })
    if (r.priorRequestsSeenInWindow < PRIOR) {
      throw new Error(`the velocity window saw ${r.priorRequestsSeenInWindow} prior requests, not ${PRIOR}`)
    }
    const a = r.withoutHistory
    const b = r.withHistory
    return {
      rows: [
        {
          metric: 'evaluation per signature, p50 (baseline: 0 prior requests)',
          unit: 'µs',
          value: b.p50Micros,
          baseline: a.p50Micros,
          target: '≤ 2× (200 %) of 0 prior',
          met: b.p50Micros <= 2 * a.p50Micros,
        },
        {
          metric: 'evaluation per signature, mean',
          unit: 'µs',
          value: b.meanMicros,
          baseline: a.meanMicros,
          target: '≤ 2× (200 %) of 0 prior',
          met: b.meanMicros <= 2 * a.meanMicros,
        },
        { metric: 'evaluation per signature, p99', unit: 'µs', value: b.p99Micros, baseline: a.p99Micros },
      ],
      notes: [
        `In process on ${r.dialect} (temp file): \`governWalletRequest\` for a Wallets:Sign activity with ${r.policies.length} NoAction policies (${r.policies.join(', ')}), so every rule is evaluated in full; velocity rules read a 30-day window.`,
        `The busy wallet has ${PRIOR.toLocaleString('en-US')} prior requests, all inside the window (the count rule saw ${r.priorRequestsSeenInWindow.toLocaleString('en-US')} by the end: those plus the measured signatures themselves; recording them took ${r.loadSeconds} s); the baseline is a wallet with none. ${a.iterations} samples each after 200 warm-ups, in 10 alternating rounds so drift hits both alike.`,
        `Run by \`bench/policies.ts\` as a child process (standalone: \`node --import tsx bench/policies.ts\`). Load average after the case: ${loadAverage()}.`,
      ],
    }
  },
}

export default policies
