/**
 * The contract between `bench/run.ts` and a benchmark case. A case is a file in `bench/cases/`
 * whose default export is a `BenchCase`; `npm run bench` runs every case (or those named on the
 * command line) and writes its section of BENCHMARKS.md.
 */
export interface BenchCase {
  /** Short, stable, kebab-case: the case's file name and the marker of its BENCHMARKS.md section. */
  readonly name: string
  /** The section heading in BENCHMARKS.md. */
  readonly title: string
  run(context: BenchContext): Promise<CaseResult>
}

export interface BenchContext {
  /** Seconds per load run (BENCH_DURATION, default 8); cases scale their load to it. */
  readonly durationSeconds: number
  /** How many times a measurement is repeated before its median is taken (BENCH_ROUNDS, default 3). */
  readonly rounds: number
  /** Progress lines for the person running the bench (stderr). */
  log(message: string): void
}

export interface ResultRow {
  readonly metric: string
  readonly unit: string
  /** walletd's value (the median of the rounds). */
  readonly value: number
  /** The same measurement on the baseline, taken in the same run, when the case has one. */
  readonly baseline?: number
  /** e.g. `≥ 85 % of baseline`, `< 1000 ms`. */
  readonly target?: string
  /** Whether the target is met, when there is one. */
  readonly met?: boolean
}

export interface CaseResult {
  readonly rows: readonly ResultRow[]
  /** What was run and how (markdown), shown under the table. */
  readonly notes?: readonly string[]
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

/** The value at fraction `p` (0–1) of `sorted` (ascending): nearest rank, clamped to the last. */
export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!
}
