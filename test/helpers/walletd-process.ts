import { type ChildProcess, spawn } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { createTestDatabase, testDialect } from './database.ts'

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
export const walletdBin = path.join(repoRoot, 'bin/walletd.js')

/** The operator token `startWalletd` gives a PostgreSQL-backed process (where it must be set). */
export const TEST_OPERATOR_TOKEN = 'test-operator-token-0123456789abcdef'

/** With PostgreSQL the development profile needs the operator token from the environment. */
function operatorTokenFor(args: string[]): NodeJS.ProcessEnv {
  return args.includes('--database-url') ? { WALLETD_OPERATOR_TOKEN: TEST_OPERATOR_TOKEN } : {}
}

/** A port nothing listens on right now (the OS picks it; we release it for walletd to take). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo
      server.close(() => resolve(port))
    })
  })
}

export interface CliResult {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/** Run `walletd <args>` to completion. */
export function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [walletdBin, ...args], {
      cwd: repoRoot,
      env: { ...process.env, ...operatorTokenFor(args), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => {
      stdout += d
    })
    child.stderr.on('data', (d) => {
      stderr += d
    })
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

export interface RunningWalletd {
  readonly child: ChildProcess
  readonly baseUrl: string
  /** Every line walletd wrote to stdout so far (pino JSON lines). */
  readonly lines: Record<string, unknown>[]
  readonly stderr: () => string
  /** Resolves with the first log line `matches` accepts, including lines already written. */
  waitForLine(matches: (line: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>
  /** Resolves with the exit code once the process has exited. */
  readonly exited: Promise<number | null>
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>
}

/**
 * Start `walletd start` as a separate process and wait until `/readyz` answers 200.
 * `args` are extra flags (`--data-dir`, `--database-url` …); the port is chosen here.
 */
export async function startWalletd(args: string[], env: NodeJS.ProcessEnv = {}): Promise<RunningWalletd> {
  const port = await freePort()
  const child = spawn(process.execPath, [walletdBin, 'start', '--port', String(port), ...args], {
    cwd: repoRoot,
    // No drain period on SIGTERM unless a test asks for one: stop() would wait it out.
    env: { ...process.env, WALLETD_DRAIN_MS: '0', ...operatorTokenFor(args), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const lines: Record<string, unknown>[] = []
  const waiters: {
    matches: (l: Record<string, unknown>) => boolean
    resolve: (l: Record<string, unknown>) => void
  }[] = []
  let partial = ''
  let stderr = ''
  child.stdout?.on('data', (chunk) => {
    partial += chunk
    const complete = partial.split('\n')
    partial = complete.pop() ?? ''
    for (const text of complete) {
      if (!text.trim()) continue
      let line: Record<string, unknown>
      try {
        line = JSON.parse(text)
      } catch {
        line = { msg: text }
      }
      lines.push(line)
      for (const w of [...waiters]) {
        if (w.matches(line)) {
          waiters.splice(waiters.indexOf(w), 1)
          w.resolve(line)
        }
      }
    }
  })
  child.stderr?.on('data', (d) => {
    stderr += d
  })
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  const baseUrl = `http://127.0.0.1:${port}`

  const waitForLine = (matches: (line: Record<string, unknown>) => boolean) => {
    const seen = lines.find(matches)
    if (seen) return Promise.resolve(seen)
    return new Promise<Record<string, unknown>>((resolve, reject) => {
      waiters.push({ matches, resolve })
      void exited.then((code) => reject(new Error(`walletd exited (${code}) first; stderr: ${stderr}`)))
    })
  }

  // Ready means /readyz says so; a process that exits first fails the wait at once. The bound is
  // generous (2 minutes): a start takes ~1 s alone but over 40 s on a machine loaded by parallel suites.
  let ready = false
  let exitedEarly = false
  void exited.then(() => {
    exitedEarly = true
  })
  for (let attempt = 0; attempt < 2400 && !ready && !exitedEarly; attempt++) {
    try {
      ready = (await fetch(`${baseUrl}/readyz`)).status === 200
    } catch {
      // not listening yet
    }
    if (!ready) await new Promise((r) => setTimeout(r, 50))
  }
  if (!ready) {
    child.kill('SIGKILL')
    throw new Error(`walletd did not become ready; stderr: ${stderr}; stdout: ${JSON.stringify(lines)}`)
  }
  return {
    child,
    baseUrl,
    lines,
    stderr: () => stderr,
    waitForLine,
    exited,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM')
      return exited
    },
  }
}

export interface CliStorage {
  readonly dataDir: string
  /** `--data-dir …` and, on PostgreSQL, `--database-url …` of a database of its own. */
  readonly flags: string[]
  dispose(): Promise<void>
}

/**
 * Where a test points the real CLI: a fresh data dir, and on PostgreSQL (WALLETD_TEST_DATABASE_URL)
 * an empty database of its own, left for the CLI to migrate.
 */
export async function cliStorage(prefix = 'walletd-cli-'): Promise<CliStorage> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), prefix))
  const database = testDialect === 'postgres' ? await createTestDatabase({ migrate: false }) : undefined
  return {
    dataDir,
    flags: ['--data-dir', dataDir, ...(database ? ['--database-url', database.databaseUrl as string] : [])],
    dispose: async () => {
      await database?.dispose()
      fs.rmSync(dataDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 })
    },
  }
}
