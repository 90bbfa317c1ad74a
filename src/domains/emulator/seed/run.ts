import { AppError } from '../../../errors.ts'
import type { EmulatorState } from '../snapshots/state.ts'
import { seedHash } from '../snapshots/state.ts'
import { applySeed, type SeedDeps, type SeedResult } from './apply.ts'
import { entryIds } from './derive.ts'
import { checkSeed } from './validate.ts'

export interface SeedOutcome extends SeedResult {
  /**
   * `applied`: created now; `restored`: this seed was already applied here, its saved state was
   * restored; `present` (PostgreSQL, `walletd start --seed`): its orgs exist already, nothing was
   * changed and `orgs` is empty (seeded.json from the start that applied it stays).
   */
  outcome: 'applied' | 'restored' | 'present'
}

/**
 * Makes the state the seed's. On SQLite: back to the empty state, then the seed, and that state is
 * saved as what `reset` returns to; the same seed again restores that saved state (same ids, same
 * tokens). A seed that fails half-way leaves the state as it was before the call. On PostgreSQL
 * (no snapshots) the seed is applied onto the current state; an org it would create that exists
 * already is a 409 naming `orgs[i].key`.
 */
export async function seedState(
  deps: SeedDeps & { state: EmulatorState },
  input: unknown,
  options: { reuse?: boolean } = {},
): Promise<SeedOutcome> {
  const seed = checkSeed(input, { hasDevChain: () => true })
  const hash = seedHash(seed)
  const { state } = deps
  return state.exclusive(async () => {
    if (!state.supported) {
      const exists = await Promise.all(
        seed.orgs.map((org) => deps.auth.context.repos.orgs.orgExists(entryIds(`${org.key}/org`)('org'))),
      )
      // A node started with the seed another node (or an earlier start) applied: nothing to do.
      if (options.reuse && exists.every(Boolean)) return { outcome: 'present', orgs: [] }
      const i = exists.indexOf(true)
      if (i >= 0) {
        const orgId = entryIds(`${seed.orgs[i]!.key}/org`)('org')
        throw new AppError(
          'conflict',
          `seed orgs[${i}].key: org ${orgId} (${seed.orgs[i]!.key}) exists already.`,
          {
            details: { field: `orgs[${i}].key`, orgId },
          },
        )
      }
      return { outcome: 'applied', ...(await applySeed(deps, seed)) }
    }
    await state.init()
    const previous = state.seedMeta()
    if (options.reuse && previous?.hash === hash) {
      await state.reset('seed')
      return { outcome: 'restored', ...previous.result }
    }
    await state.save('.before-seed')
    try {
      await state.reset('empty')
      const result = await applySeed(deps, seed)
      await state.saveSeed({ hash, result })
      return { outcome: 'applied', ...result }
    } catch (err) {
      await state.restore('.before-seed')
      throw err
    } finally {
      state.remove('.before-seed')
    }
  })
}
