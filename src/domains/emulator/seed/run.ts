import { AppError } from '../../../errors.ts'
import type { EmulatorState } from '../snapshots/state.ts'
import { seedHash } from '../snapshots/state.ts'
import { applySeed, type SeedDeps, type SeedResult } from './apply.ts'
import { entryIds } from './derive.ts'
import { checkSeed } from './validate.ts'

export interface SeedOutcome extends SeedResult {
  /** `applied`: created now; `restored`: this seed was already applied here, its state was restored. */
  outcome: 'applied' | 'restored'
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
      for (const [i, org] of seed.orgs.entries()) {
        const orgId = entryIds(`${org.key}/org`)('org')
        if (await deps.auth.context.repos.orgs.orgExists(orgId)) {
          throw new AppError('conflict', `seed orgs[${i}].key: org ${orgId} (${org.key}) exists already.`, {
            details: { field: `orgs[${i}].key`, orgId },
          })
        }
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
