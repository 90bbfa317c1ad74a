#!/usr/bin/env node
// Checks walletd as an integrator gets it: `npm pack`, then in a clean temporary folder
// `npm install --omit=dev <tarball>` (dependencies from the registry, no dev dependencies, no build
// step), `npx walletd start`, wait for /readyz, call an emulator control with the operator token
// the first start wrote, stop it with SIGTERM and expect exit 0. Run by .ci/run; by hand:
//   node scripts/check-package.mjs
// It takes minutes when better-sqlite3 has no prebuilt binary for the platform (it compiles).
import { execFileSync, spawn } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'walletd-package-'))
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'
const log = (msg) => process.stdout.write(`check-package: ${msg}\n`)

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
}

async function main() {
  const tarball = execFileSync(npm, ['pack', '--silent', '--pack-destination', work], { cwd: repo })
    .toString()
    .trim()
    .split('\n')
    .pop()
  log(`packed ${tarball}`)
  const app = path.join(work, 'app')
  fs.mkdirSync(app)
  fs.writeFileSync(path.join(app, 'package.json'), '{"name":"walletd-package-check","private":true}\n')
  execFileSync(npm, ['install', '--omit=dev', '--no-audit', '--no-fund', path.join(work, tarball)], {
    cwd: app,
    stdio: 'inherit',
  })
  const installed = JSON.parse(fs.readFileSync(path.join(app, 'node_modules/walletd/package.json'), 'utf8'))
  if (installed.license !== 'Apache-2.0') throw new Error(`installed license is ${installed.license}`)
  if (!fs.existsSync(path.join(app, 'node_modules/walletd/LICENSE'))) throw new Error('no LICENSE installed')
  for (const dev of Object.keys(installed.devDependencies ?? {})) {
    if (fs.existsSync(path.join(app, 'node_modules', dev))) throw new Error(`dev dependency ${dev} installed`)
  }

  const port = await freePort()
  const base = `http://127.0.0.1:${port}`
  const child = spawn('npx', ['walletd', 'start', '--port', String(port), '--data-dir', './data'], {
    cwd: app,
    env: { ...process.env, WALLETD_DRAIN_MS: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group: npx runs walletd as a child and does not pass signals on, so the stop
    // signal goes to the group (walletd stops gracefully; npx just ends).
    detached: true,
  })
  let output = ''
  child.stdout.on('data', (d) => {
    output += d
  })
  child.stderr.on('data', (d) => {
    output += d
  })
  const signal = (name) => {
    try {
      process.kill(-child.pid, name)
    } catch {
      // the group is gone already
    }
  }
  try {
    const deadline = Date.now() + 120_000
    for (;;) {
      const ready = await fetch(`${base}/readyz`).then(
        (r) => r.ok,
        () => false,
      )
      if (ready) break
      if (child.exitCode !== null || Date.now() > deadline) {
        throw new Error(`walletd did not become ready:\n${output}`)
      }
      await new Promise((r) => setTimeout(r, 500))
    }
    log(`npx walletd start answers /readyz at ${base}`)
    const token = fs.readFileSync(path.join(app, 'data/operator-token'), 'utf8').trim()
    const clock = await fetch(`${base}/emulator/clock`, { headers: { authorization: `Bearer ${token}` } })
    if (!clock.ok) throw new Error(`GET /emulator/clock answered ${clock.status}`)
    log(`emulator clock: ${(await clock.json()).now}`)
  } catch (err) {
    signal('SIGKILL')
    throw err
  }
  signal('SIGTERM')
  // walletd writes its last line on stdout (inherited through npx) once everything is closed.
  const deadline = Date.now() + 60_000
  while (!output.includes('"msg":"walletd stopped"')) {
    if (Date.now() > deadline) {
      signal('SIGKILL')
      throw new Error(`walletd did not stop on SIGTERM:\n${output}`)
    }
    await new Promise((r) => setTimeout(r, 250))
  }
  log('stopped cleanly on SIGTERM; the package works')
}

try {
  await main()
} catch (err) {
  process.stderr.write(`check-package: FAILED: ${err.message}\n`)
  process.exitCode = 1
} finally {
  fs.rmSync(work, { recursive: true, force: true })
}
