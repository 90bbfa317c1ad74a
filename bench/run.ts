// `npm run bench [-- <case> …]`: runs every case in bench/cases/ (or the ones named), prints the
// results and writes each case's section of BENCHMARKS.md, keeping the sections of cases that
// were not run. See bench/README.md for how to add a case.
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { loadAverage, repoRoot } from './lib/processes.ts'
import type { BenchCase, CaseResult, ResultRow } from './lib/types.ts'

const casesDir = path.join(repoRoot, 'bench/cases')
const outputFile = path.join(repoRoot, 'BENCHMARKS.md')
const wanted = process.argv.slice(2)

const context = {
  durationSeconds: Number(process.env.BENCH_DURATION ?? 8),
  rounds: Number(process.env.BENCH_ROUNDS ?? 3),
  log: (message: string) => process.stderr.write(`  ${message}\n`),
}

function machine(): string {
  const cpu = os.cpus()[0]?.model.trim() ?? 'unknown CPU'
  const memGb = (os.totalmem() / 1024 ** 3).toFixed(1)
  return `${os.availableParallelism()} CPUs (nproc; ${cpu}), ${memGb} GB memory, Node ${process.version}, ${os.type()} ${os.release()}`
}

function commit(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoRoot, encoding: 'utf8' }).trim()
  } catch {
    return 'unknown'
  }
}

const fmt = (n: number | undefined) =>
  n === undefined ? '' : n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2)

function renderRow(row: ResultRow): string {
  const ratio = row.baseline ? `${((row.value / row.baseline) * 100).toFixed(1)} %` : ''
  const verdict = row.met === undefined ? '' : row.met ? 'met' : '**missed**'
  return `| ${row.metric} | ${fmt(row.value)} ${row.unit} | ${row.baseline === undefined ? '' : `${fmt(row.baseline)} ${row.unit}`} | ${ratio} | ${row.target ?? ''} | ${verdict} |`
}

function renderSection(benchCase: BenchCase, result: CaseResult, load: string): string {
  return [
    `<!-- bench:${benchCase.name} -->`,
    `## ${benchCase.title}`,
    '',
    `_Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC at commit ${commit()} with \`npm run bench -- ${benchCase.name}\`; machine: ${machine()}; load average before the case: ${load}._`,
    '',
    '| metric | walletd | baseline | walletd / baseline | target | |',
    '|---|---|---|---|---|---|',
    ...result.rows.map(renderRow),
    '',
    ...(result.notes ?? []).map((n) => `- ${n}`),
    `<!-- /bench:${benchCase.name} -->`,
  ].join('\n')
}

const header = `# walletd benchmarks

Written by \`npm run bench\` (every case) or \`npm run bench -- <case> …\` (only those; the other
sections stay as they were). Each case starts walletd as a separate process (\`walletd start\`, as an
operator runs it) and loads it from another process with autocannon; where a case has a baseline it
is measured in the same run, and the ratio is what to compare between machines. Knobs:
\`BENCH_DURATION\` (seconds per load run, default 8) and \`BENCH_ROUNDS\` (default 3). How to add a
case: bench/README.md.

Targets (issue 2): start to first 200 under 1 s, idle RSS under 150 MB, walletd's trivial route at
≥ 85 % of bare fastify. Issue 4: the cost of permission checks and rate limiting, with vs without
(no numeric target). Issue 5: end-to-end signatures/s as a ratio to the raw library (no numeric
target); wallet list p50/p99 with 100,000 wallets ≤ 1.5× those with 1,000. Issue 6: policy
evaluation per signature with 100,000 prior requests ≤ 2× that with none. Issue 12: webhook events
per second and p99 from commit to receipt, against a bare POST loop (no numeric target).
`

/** The hand-written findings between `<!-- notes -->` and `<!-- /notes -->`, kept across runs. */
function existingNotes(): string | undefined {
  if (!fs.existsSync(outputFile)) return undefined
  return /<!-- notes -->[\s\S]*?<!-- \/notes -->/.exec(fs.readFileSync(outputFile, 'utf8'))?.[0]
}

function existingSections(): Map<string, string> {
  const sections = new Map<string, string>()
  if (!fs.existsSync(outputFile)) return sections
  const text = fs.readFileSync(outputFile, 'utf8')
  for (const m of text.matchAll(/<!-- bench:([\w-]+) -->[\s\S]*?<!-- \/bench:\1 -->/g))
    sections.set(m[1]!, m[0])
  return sections
}

const files = fs
  .readdirSync(casesDir)
  .filter((f) => f.endsWith('.ts'))
  .sort()
const cases: BenchCase[] = []
for (const file of files) {
  const loaded = (await import(pathToFileURL(path.join(casesDir, file)).href)) as { default?: BenchCase }
  if (!loaded.default?.name || typeof loaded.default.run !== 'function') {
    throw new Error(`bench/cases/${file} must export default a BenchCase (see bench/lib/types.ts)`)
  }
  cases.push(loaded.default)
}
const unknown = wanted.filter((w) => !cases.some((c) => c.name === w))
if (unknown.length) {
  process.stderr.write(
    `unknown case(s): ${unknown.join(', ')}; known: ${cases.map((c) => c.name).join(', ')}\n`,
  )
  process.exit(2)
}

const sections = existingSections()
const notes = existingNotes()
const missed: string[] = []
let failed = false
for (const benchCase of cases) {
  if (wanted.length && !wanted.includes(benchCase.name)) continue
  process.stderr.write(`${benchCase.name}: ${benchCase.title}\n`)
  const load = loadAverage()
  try {
    const result = await benchCase.run(context)
    sections.set(benchCase.name, renderSection(benchCase, result, load))
    for (const row of result.rows) {
      process.stdout.write(`${renderRow(row)}\n`)
      if (row.met === false)
        missed.push(`${benchCase.name}: ${row.metric} (${fmt(row.value)} ${row.unit}, target ${row.target})`)
    }
  } catch (err) {
    failed = true
    process.stderr.write(`  failed: ${(err as Error).stack}\n`)
  }
}

const ordered = [...sections.keys()].sort().map((k) => sections.get(k)!)
fs.writeFileSync(outputFile, `${header}\n${notes ? `${notes}\n\n` : ''}${ordered.join('\n\n')}\n`)
process.stderr.write(`wrote ${path.relative(process.cwd(), outputFile)}\n`)
if (missed.length) process.stderr.write(`targets missed:\n  ${missed.join('\n  ')}\n`)
process.exitCode = failed ? 1 : 0
