/**
 * The emulator's controls (development profile only; README.md): the faults and the journal, which
 * hook into the API pipeline, and the `/emulator/…` routes, mounted in their own context behind the
 * operator token. The app builds `createEmulatorHooks` before the pipeline and mounts the routes
 * with `mountEmulatorControls` once every domain exists.
 */
import type { FastifyBaseLogger, FastifyInstance } from 'fastify'
import type { EvmEndpoints } from '../../chains/evm/endpoints.ts'
import type { Clock } from '../../clock.ts'
import type { DatabaseHandle } from '../../db/database.ts'
import type { Mailbox } from '../../mail/index.ts'
import { registerChainRoutes } from './chain-routes.ts'
import { registerClockRoutes } from './clock-routes.ts'
import { devChainTimeFollower } from './clock-sync.ts'
import { registerFaultRoutes } from './fault-routes.ts'
import { FaultBook } from './faults.ts'
import { Journal } from './journal.ts'
import { registerJournalRoutes } from './journal-routes.ts'
import { registerMailboxRoutes } from './mailbox-routes.ts'
import { type EmulatorRoutes, mountEmulator } from './mount.ts'
import type { SeedDeps } from './seed/apply.ts'
import { type SeedOutcome, seedState } from './seed/run.ts'
import { registerStateRoutes } from './snapshots/routes.ts'
import { EmulatorState, type StateHooks } from './snapshots/state.ts'

export type { SeedOutcome } from './seed/run.ts'
export type { EmulatorState } from './snapshots/state.ts'

/** Seed, reset and snapshots, for tests that drive them without HTTP. */
export interface EmulatorControls {
  readonly state: EmulatorState
  seed(input: unknown, options?: { reuse?: boolean }): Promise<SeedOutcome>
}

/** The parts that hook into the API pipeline: faults after authentication, the journal first. */
export function createEmulatorHooks(deps: { clock: Clock; journalSize: number }) {
  return { faults: new FaultBook(deps.clock), journal: new Journal(deps.clock, deps.journalSize) }
}

export interface EmulatorDeps extends Omit<SeedDeps, 'clock' | 'evm'> {
  readonly token: string
  readonly database: DatabaseHandle
  readonly clock: Clock
  readonly evm: EvmEndpoints
  readonly logger: FastifyBaseLogger
  readonly hooks: ReturnType<typeof createEmulatorHooks>
  readonly mailbox?: Mailbox | undefined
  /** What else a move of the clock does (besides the dev chain's time): sweeps, waking the jobs. */
  readonly afterClockMove: () => Promise<void>
  /** The job runner's pause and every in-memory cache of database state (see README.md). */
  readonly state: StateHooks
}

/** Mounts `/emulator/…` behind the operator token; the state closes with the app. */
export async function mountEmulatorControls(
  app: FastifyInstance,
  deps: EmulatorDeps,
): Promise<EmulatorControls> {
  const { token, database, logger, hooks, mailbox, afterClockMove, state: stateHooks, ...seedParts } = deps
  const moveChainTime = devChainTimeFollower(deps.evm, logger)
  const routes: EmulatorRoutes[] = [
    registerClockRoutes(deps.clock, async (byMs) => {
      await moveChainTime(byMs)
      await afterClockMove()
    }),
    registerChainRoutes(deps.evm),
    ...(mailbox ? [registerMailboxRoutes(mailbox)] : []),
    registerFaultRoutes(hooks.faults),
    registerJournalRoutes(hooks.journal),
  ]
  const state = new EmulatorState({ database, evm: deps.evm, clock: deps.clock, hooks: stateHooks })
  const seedDeps = { ...seedParts, state }
  routes.push(registerStateRoutes(seedDeps))
  app.addHook('onClose', async () => state.close())
  await mountEmulator(app, { token, routes })
  return { state, seed: (input, options) => seedState(seedDeps, input, options) }
}
