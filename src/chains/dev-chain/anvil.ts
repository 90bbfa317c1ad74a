import { type ChildProcess, spawn } from 'node:child_process'
import fs from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'

/**
 * The Anvil binary shipped inside the platform package of `@foundry-rs/anvil`
 * (`@foundry-rs/anvil-<platform>-<arch>`): resolved through node's module resolution, so it is
 * found wherever npm installed it. Nothing is downloaded at run time.
 */
export function anvilBinary(): string {
  const arch = process.arch === 'x64' ? 'amd64' : process.arch
  const pkg = `@foundry-rs/anvil-${process.platform}-${arch}`
  const require = createRequire(import.meta.url)
  let dir: string
  try {
    dir = path.dirname(require.resolve(`${pkg}/package.json`))
  } catch {
    throw new Error(`the dev chain needs ${pkg} (installed with @foundry-rs/anvil); run npm install`)
  }
  const binary = path.join(dir, 'bin', process.platform === 'win32' ? 'anvil.exe' : 'anvil')
  if (!fs.existsSync(binary)) throw new Error(`${pkg} has no anvil binary at ${binary}`)
  return binary
}

export interface AnvilOptions {
  chainId: number
  /** Kept across restarts: loaded at start, written every few seconds and at exit. */
  stateFile?: string
  /** 0 (default) picks a free port. */
  port?: number
  host?: string
  /** Seconds between blocks; automine (a block per transaction) when absent. */
  blockTime?: number
}

export interface AnvilProcess {
  readonly rpcUrl: string
  readonly child: ChildProcess
  /** Resolves when the process has exited, whatever the reason. */
  readonly exited: Promise<void>
  stop(): Promise<void>
}

/**
 * Anvil runs under a small shell guard that ends it when walletd goes away, even by kill -9: a
 * watcher blocks reading the guard's stdin (a pipe from walletd), which reaches end-of-file when
 * walletd's process dies, and then stops Anvil. Without it Anvil would outlive walletd and keep its
 * port and state file. A TERM to the guard stops Anvil gracefully (it writes its state); when Anvil
 * itself dies, the guard exits too, which is how the supervisor sees a crash.
 */
const GUARD = [
  'bin="$1"; shift',
  '"$bin" "$@" & child=$!',
  'exec 3<&0',
  '( read _ignored <&3; kill -TERM $child 2>/dev/null ) & watcher=$!',
  "trap 'kill -TERM $child 2>/dev/null; wait $child; kill $watcher 2>/dev/null; exit 0' TERM INT",
  'wait $child; status=$?',
  'kill $watcher 2>/dev/null',
  'exit $status',
].join('\n')

export async function startAnvil(options: AnvilOptions): Promise<AnvilProcess> {
  const args = [
    '--chain-id',
    String(options.chainId),
    '--port',
    String(options.port ?? 0),
    '--host',
    options.host ?? '127.0.0.1',
  ]
  if (options.stateFile) {
    fs.mkdirSync(path.dirname(options.stateFile), { recursive: true })
    // A state file cut short by a crash mid-write would stop Anvil from starting: start afresh then.
    if (fs.existsSync(options.stateFile)) {
      try {
        JSON.parse(fs.readFileSync(options.stateFile, 'utf8'))
      } catch {
        fs.renameSync(options.stateFile, `${options.stateFile}.corrupt`)
      }
    }
    args.push('--state', options.stateFile, '--state-interval', '2')
  }
  if (options.blockTime !== undefined) args.push('--block-time', String(options.blockTime))
  const child = spawn('sh', ['-c', GUARD, 'anvil-guard', anvilBinary(), ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const rpcUrl = await new Promise<string>((resolve, reject) => {
    let output = ''
    const onData = (chunk: Buffer) => {
      output += chunk.toString()
      const match = /Listening on ([0-9.:[\]a-f]+)/.exec(output)
      if (match) {
        child.stdout?.off('data', onData)
        resolve(`http://${match[1]}`)
      }
      if (output.length > 64_000) output = output.slice(-4000)
    }
    child.stdout?.on('data', onData)
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString()
    })
    child.once('exit', (code) =>
      reject(new Error(`anvil exited (${code}) before listening: ${output.slice(-500)}`)),
    )
    child.once('error', reject)
  })
  // Keep draining its output so a chatty Anvil never blocks on a full pipe.
  child.stdout?.resume()
  child.stderr?.resume()
  return {
    rpcUrl,
    child,
    exited,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.kill('SIGTERM')
      await exited
    },
  }
}
