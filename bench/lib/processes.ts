import { type ChildProcess, spawn } from 'node:child_process'
import fs from 'node:fs'
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import { freePort, repoRoot, walletdBin } from '../../test/helpers/walletd-process.ts'

export { freePort, repoRoot }

export interface ServerProcess {
  readonly child: ChildProcess
  readonly baseUrl: string
  readonly pid: number
  /** Milliseconds from spawn to the first 200 on `readyPath`. */
  readonly msToFirst200: number
  /** Resident memory now, in MB (from /proc; undefined where there is none). */
  rssMb(): number | undefined
  /** CPU time (user + system) the process has used so far, in seconds (from /proc). */
  cpuSeconds(): number | undefined
  /** Both halves of `cpuSeconds` from one read: user, and system (the kernel's: syscalls, the network stack, fsync). */
  cpuTimes(): CpuTimes | undefined
  stop(): Promise<void>
}

/** Poll `url` until it answers 200, as fast as the event loop allows; returns when it did. */
async function waitFor200(url: string, child: ChildProcess, deadlineMs = 30_000): Promise<void> {
  const until = performance.now() + deadlineMs
  while (performance.now() < until) {
    if (child.exitCode !== null) throw new Error(`process exited (${child.exitCode}) before answering`)
    try {
      const res = await fetch(url)
      await res.arrayBuffer()
      if (res.status === 200) return
    } catch {
      await new Promise((r) => setTimeout(r, 2))
    }
  }
  throw new Error(`${url} did not answer 200 within ${deadlineMs} ms`)
}

/** Spawn a server process that listens on `port` and measure the time to its first 200. */
export async function spawnServer(
  command: string[],
  port: number,
  options: { env?: NodeJS.ProcessEnv; readyPath?: string } = {},
): Promise<ServerProcess> {
  const started = performance.now()
  const child = spawn(process.execPath, command, {
    cwd: repoRoot,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  child.stderr?.on('data', (d) => {
    stderr += d
  })
  const baseUrl = `http://127.0.0.1:${port}`
  try {
    await waitFor200(`${baseUrl}${options.readyPath ?? '/healthz'}`, child)
  } catch (err) {
    child.kill('SIGKILL')
    throw new Error(`${(err as Error).message}; stderr: ${stderr}`)
  }
  const msToFirst200 = performance.now() - started
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null) resolve()
    else child.on('exit', () => resolve())
  })
  return {
    child,
    baseUrl,
    pid: child.pid!,
    msToFirst200,
    rssMb: () => {
      try {
        const status = fs.readFileSync(`/proc/${child.pid}/status`, 'utf8')
        const kb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1])
        return Number.isFinite(kb) ? kb / 1024 : undefined
      } catch {
        return undefined
      }
    },
    cpuSeconds: () => {
      const times = cpuTimesOf(child.pid!)
      return times && times.user + times.system
    },
    cpuTimes: () => cpuTimesOf(child.pid!),
    stop: async () => {
      child.kill('SIGTERM')
      await exited
    },
  }
}

/** CPU time a process has used, in seconds. */
export interface CpuTimes {
  user: number
  system: number
}

/** utime and stime of a process from /proc/<pid>/stat, in seconds (Linux clock ticks are 1/100 s). */
function cpuTimesOf(pid: number): CpuTimes | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
    // Fields after the parenthesised command name; utime and stime are the 14th and 15th overall.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return { user: Number(fields[11]) / 100, system: Number(fields[12]) / 100 }
  } catch {
    return undefined
  }
}

/**
 * `walletd start` as an operator runs it (`bin/walletd.js`), on the embedded default (SQLite), with
 * logging at warn so the log does not weigh on the measurement. Without `dataDir` it gets a fresh
 * data directory (a first start: database, migrations, master key, bootstrap), removed by `stop`.
 */
export async function startWalletd(
  options: { extraArgs?: string[]; env?: NodeJS.ProcessEnv; dataDir?: string } = {},
): Promise<ServerProcess & { dataDir: string }> {
  const dataDir = options.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'walletd-bench-'))
  const port = await freePort()
  const server = await spawnServer(
    [walletdBin, 'start', '--port', String(port), '--data-dir', dataDir, ...(options.extraArgs ?? [])],
    port,
    // `walletd start` on its embedded default (SQLite) unless a case names a database: the bench's
    // own DATABASE_URL only adds PostgreSQL runs to the cases that read it.
    { env: { WALLETD_LOG_LEVEL: 'warn', DATABASE_URL: '', ...options.env } },
  )
  return {
    ...server,
    dataDir,
    stop: async () => {
      await server.stop()
      if (!options.dataDir) fs.rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

export interface LoadResult {
  readonly requestsPerSecond: number
  readonly totalRequests: number
  readonly latencyP50Ms: number
  readonly latencyP99Ms: number
  readonly non2xx: number
  readonly errors: number
}

const autocannonCli = createRequire(import.meta.url).resolve('autocannon/autocannon.js')

/**
 * Load `url` from a separate process (autocannon's CLI), so the load generator never shares an
 * event loop with the server it measures.
 */
export function loadTest(
  url: string,
  options: {
    connections?: number
    durationSeconds: number
    method?: string
    headers?: Record<string, string>
    body?: string
  },
): Promise<LoadResult> {
  const args = [
    autocannonCli,
    '--json',
    '--no-progress',
    '-c',
    String(options.connections ?? 50),
    '-d',
    String(options.durationSeconds),
    '-m',
    options.method ?? 'GET',
  ]
  for (const [k, v] of Object.entries(options.headers ?? {})) args.push('-H', `${k}=${v}`)
  if (options.body !== undefined) args.push('-b', options.body)
  args.push(url)
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout.on('data', (d) => {
      out += d
    })
    child.stderr.on('data', (d) => {
      err += d
    })
    child.on('error', reject)
    child.on('close', (code) => {
      if (code !== 0) {
        reject(new Error(`autocannon exited ${code}: ${err}`))
        return
      }
      const r = JSON.parse(out)
      resolve({
        requestsPerSecond: r.requests.average,
        totalRequests: r.requests.total,
        latencyP50Ms: r.latency.p50,
        latencyP99Ms: r.latency.p99,
        non2xx: r.non2xx,
        errors: r.errors,
      })
    })
  })
}

/**
 * Run a standalone bench script (`node --import tsx <script>`) as a child process and parse the one
 * JSON object it prints on stdout; its progress (stderr) goes to `log`, line by line.
 */
export function runBenchScript<T>(
  script: string,
  options: { env?: NodeJS.ProcessEnv; log?: (line: string) => void } = {},
): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, script)], {
      cwd: repoRoot,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    let err = ''
    child.stdout.on('data', (d) => {
      out += d
    })
    child.stderr.on('data', (d: Buffer) => {
      err += d
      const lines = err.split('\n')
      err = lines.pop()!
      for (const line of lines) options.log?.(line)
    })
    child.on('error', reject)
    child.on('close', (code) => {
      if (err) options.log?.(err)
      try {
        const parsed = JSON.parse(out) as T
        // A script may exit non-zero to say its own target was missed; the JSON still says so.
        resolve(parsed)
      } catch {
        reject(new Error(`${script} exited ${code} without a JSON result`))
      }
    })
  })
}

/** The 1, 5 and 15 minute load averages, as `uptime` shows them. */
export function loadAverage(): string {
  return os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')
}
