import { createHash } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { canonicalJson } from '../../../canonical-json.ts'
import type { EvmEndpoints } from '../../../chains/evm/endpoints.ts'
import type { Clock } from '../../../clock.ts'
import type { DatabaseHandle } from '../../../db/database.ts'
import { AppError } from '../../../errors.ts'
import type { SeedResult } from '../seed/apply.ts'
import { type ChainDumps, dumpChains, restoreChains } from './chain.ts'
import { SqliteStates } from './sqlite-copy.ts'

/**
 * The emulator's database-and-chain states (SQLite only; see the README for PostgreSQL):
 *
 * - `empty`: the data directory's first-start state (its bootstrap org), captured once, the first
 *   time walletd starts on it (or the first time a control needs it, for an embedded app);
 * - `seed`: the state right after the last seed was applied;
 * - named snapshots, saved and restored on request.
 *
 * Each is a copy of the database file (VACUUM INTO) and a dump of every dev-chain network, kept in
 * `<directory of walletd.sqlite>/emulator-state/` so they outlive a restart. Operations run one at a
 * time; while one runs, the job runner is paused (a job half-way through would write into the
 * restored state) and afterwards every in-memory cache of database state is dropped.
 */
export interface StateHooks {
  /** Stop picking up jobs and wait for the ones in flight; `resume` starts again. */
  pauseJobs(): Promise<void>
  resumeJobs(): void
  /** Drop what walletd keeps in memory about the database (plans, verified tokens, mailbox…). */
  clearCaches(): void
}

export interface SnapshotInfo {
  name: string
  dateCreated: string
  networks: string[]
}

interface Meta extends SnapshotInfo {
  chains: ChainDumps
  /** For the seed state: the seed's hash and what applying it returned. */
  seed?: { hash: string; result: SeedResult }
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/

export function snapshotNameError(name: string): AppError | undefined {
  if (NAME.test(name)) return undefined
  return new AppError(
    'validation_failed',
    'name must be 1 to 64 letters, digits, "_", "." or "-", starting with a letter or digit.',
    { details: { field: 'name' } },
  )
}

export const seedHash = (seed: unknown) => createHash('sha256').update(canonicalJson(seed)).digest('hex')

export class EmulatorState {
  readonly #database: DatabaseHandle
  readonly #evm: EvmEndpoints
  readonly #clock: Clock
  readonly #hooks: StateHooks
  readonly #dir: string
  readonly #temporary: boolean
  #queue: Promise<unknown> = Promise.resolve()
  #sqlite: SqliteStates | undefined

  constructor(deps: { database: DatabaseHandle; evm: EvmEndpoints; clock: Clock; hooks: StateHooks }) {
    this.#database = deps.database
    this.#evm = deps.evm
    this.#clock = deps.clock
    this.#hooks = deps.hooks
    if (deps.database.dialect === 'sqlite') this.#sqlite = new SqliteStates(deps.database.db)
    const file = deps.database.location
    this.#temporary = deps.database.dialect === 'sqlite' && file === ':memory:'
    // On PostgreSQL there is no file: the directory is never used (snapshots answer 501).
    this.#dir = this.#temporary
      ? fs.mkdtempSync(path.join(os.tmpdir(), 'walletd-emulator-state-'))
      : path.join(path.dirname(file), 'emulator-state')
  }

  /** Snapshots need a database file walletd can copy page by page: SQLite. */
  get supported(): boolean {
    return this.#database.dialect === 'sqlite'
  }

  /** One operation at a time, in arrival order. */
  exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(work, work)
    this.#queue = run.catch(() => undefined)
    return run
  }

  /** Captures the empty state if this data directory has none yet. */
  async init(): Promise<void> {
    if (!this.supported) return
    fs.mkdirSync(this.#dir, { recursive: true, mode: 0o700 })
    if (!fs.existsSync(this.#file('empty'))) await this.#save('empty', { chains: {} })
  }

  seedMeta(): Meta['seed'] | undefined {
    return this.#meta('seed')?.seed
  }

  /** Save the current state as `seed`, with the seed's hash and result. */
  async saveSeed(seed: { hash: string; result: SeedResult }): Promise<void> {
    await this.#save('seed', { chains: await dumpChains(this.#evm), seed })
  }

  async dropSeed(): Promise<void> {
    for (const f of [this.#file('seed'), this.#metaFile('seed')]) fs.rmSync(f, { force: true })
  }

  /** Reset: to the seed when one was applied (and `to` is not `empty`), else to the empty state. */
  async reset(to: 'seed' | 'empty' | undefined): Promise<{ restored: 'seed' | 'empty' } & Restored> {
    await this.init()
    const target = to ?? (this.#meta('seed') ? 'seed' : 'empty')
    if (target === 'seed' && !this.#meta('seed')) {
      throw new AppError('conflict', 'No seed was applied: there is no seed state to reset to.', {
        details: { field: 'to' },
      })
    }
    return { restored: target, ...(await this.#restore(target)) }
  }

  async save(name: string): Promise<SnapshotInfo> {
    await this.init()
    const meta = await this.#save(`named/${name}`, { chains: await dumpChains(this.#evm) })
    return info(meta)
  }

  async restore(name: string): Promise<{ name: string } & Restored> {
    await this.init()
    this.#require(name)
    return { name, ...(await this.#restore(`named/${name}`)) }
  }

  list(): SnapshotInfo[] {
    const dir = path.join(this.#dir, 'named')
    if (!fs.existsSync(dir)) return []
    return fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.json') && !f.startsWith('.'))
      .map((f) => this.#meta(`named/${f.slice(0, -'.json'.length)}`))
      .filter((m): m is Meta => m !== undefined)
      .map(info)
      .sort((a, b) => a.name.localeCompare(b.name))
  }

  remove(name: string): void {
    this.#require(name)
    for (const f of [this.#file(`named/${name}`), this.#metaFile(`named/${name}`)])
      fs.rmSync(f, { force: true })
  }

  /** Removes the temporary directory of an in-memory database. */
  close(): void {
    if (this.#temporary) fs.rmSync(this.#dir, { recursive: true, force: true })
  }

  #require(name: string): void {
    if (!this.#meta(`named/${name}`)) {
      throw new AppError('not_found', `No snapshot named ${JSON.stringify(name)}.`, { details: { name } })
    }
  }

  #file(key: string): string {
    return path.join(this.#dir, `${key}.sqlite`)
  }

  #metaFile(key: string): string {
    return path.join(this.#dir, `${key}.json`)
  }

  #meta(key: string): Meta | undefined {
    try {
      return JSON.parse(fs.readFileSync(this.#metaFile(key), 'utf8')) as Meta
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw err
    }
  }

  async #save(key: string, extra: Pick<Meta, 'chains' | 'seed'>): Promise<Meta> {
    fs.mkdirSync(path.dirname(this.#file(key)), { recursive: true, mode: 0o700 })
    const meta: Meta = {
      name: path.basename(key),
      dateCreated: this.#clock.now().toISOString(),
      networks: Object.keys(extra.chains),
      ...extra,
    }
    // The database copy first, its description last: a snapshot exists once its .json does.
    fs.rmSync(this.#metaFile(key), { force: true })
    await this.#sqlite!.save(this.#file(key))
    fs.writeFileSync(this.#metaFile(key), JSON.stringify(meta), { mode: 0o600 })
    return meta
  }

  async #restore(key: string): Promise<Restored> {
    const meta = this.#meta(key)
    const started = performance.now()
    let copied: Awaited<ReturnType<SqliteStates['restore']>>
    let jobsMs = 0
    let databaseMs = 0
    await this.#hooks.pauseJobs()
    try {
      jobsMs = performance.now() - started
      copied = await this.#sqlite!.restore(this.#file(key))
      databaseMs = performance.now() - started - jobsMs
      await restoreChains(this.#evm, meta?.chains)
    } finally {
      this.#hooks.clearCaches()
      this.#hooks.resumeJobs()
    }
    const ms = (n: number) => Math.round(n * 100) / 100
    const durationMs = performance.now() - started
    return {
      durationMs: ms(durationMs),
      waitedForJobsMs: ms(jobsMs),
      database: { copied: copied.mode, rows: copied.rows, ms: ms(databaseMs) },
      chainMs: ms(durationMs - jobsMs - databaseMs),
    }
  }
}

/**
 * What a restore did and where the time went: waiting for the jobs in flight, the database (only
 * the rows written since, `rows`, or whole tables, `tables`; how many rows it wrote back) and the
 * dev chain.
 */
export interface Restored {
  durationMs: number
  /** Spent waiting for the background jobs in flight to finish (the runner is paused meanwhile). */
  waitedForJobsMs: number
  database: { copied: 'rows' | 'tables'; rows: number; ms: number }
  chainMs: number
}

function info(meta: Meta): SnapshotInfo {
  return { name: meta.name, dateCreated: meta.dateCreated, networks: meta.networks }
}
