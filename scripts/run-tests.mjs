#!/usr/bin/env node
// Runs the test suite with node's test runner through tsx.
//   npm test                      every test file under test/
//   npm test -- test/e2e          only the files under the given folders or files
// Set WALLETD_TEST_DATABASE_URL=postgres://… to run the database-backed tests on PostgreSQL.
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'

const roots = process.argv.slice(2).filter((a) => !a.startsWith('-'))
const passThrough = process.argv.slice(2).filter((a) => a.startsWith('-'))

function collect(target, out) {
  const stat = fs.statSync(target)
  if (stat.isFile()) {
    if (target.endsWith('.test.ts')) out.push(target)
    return out
  }
  for (const entry of fs.readdirSync(target).sort()) {
    if (entry === 'node_modules' || entry.startsWith('.')) continue
    collect(path.join(target, entry), out)
  }
  return out
}

const files = (roots.length ? roots : ['test']).flatMap((r) => collect(r, []))
if (files.length === 0) {
  console.error('no test files found')
  process.exit(1)
}
const concurrency = process.env.WALLETD_TEST_CONCURRENCY ?? '2'
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, ...passThrough, ...files],
  { stdio: 'inherit', env: { ...process.env, NODE_ENV: 'test' } },
)
process.exit(result.status ?? 1)
