import type { Caller } from '../../http/context.ts'
import type { OperationSource } from '../../http/permission-guard.ts'
import { RecentMap, rememberedLoad } from '../../recent-map.ts'
import type { PermissionRepository } from './repository.ts'

/** How many (identity, stamp) entries a node keeps; the oldest are dropped past it. */
const CACHED_IDENTITIES = 10_000

/**
 * What the permission guard asks on every request: the union over the caller's assignments; for
 * a PAT, that ∩ its user's.
 *
 * Kept per identity and org permissions stamp (`Caller.permissionsVersion`, read with the token on
 * every request): every change to the org's permissions or assignments commits a new stamp, so
 * the next request on any node carries it, misses here and reads again. A revoke therefore applies
 * on every node at the next request, as when nothing was cached. Callers without a stamp (not
 * built by authentication) are read once per caller object.
 */
export function permissionOperationSource(repo: PermissionRepository) {
  const perRequest = new WeakMap<Caller, Promise<ReadonlySet<string>>>()
  const byStamp = new RecentMap<string, Promise<ReadonlySet<string>>>(CACHED_IDENTITIES)
  const read = async (caller: Caller): Promise<ReadonlySet<string>> => {
    if (caller.tokenKind !== 'Pat') return repo.operationsOf(caller.userId)
    const held = await repo.operationsOfMany([caller.tokenId, caller.userId])
    const own = held.get(caller.tokenId) ?? new Set<string>()
    const user = held.get(caller.userId) ?? new Set<string>()
    return new Set([...own].filter((op) => user.has(op)))
  }
  return {
    operationsOf(caller: Caller): Promise<ReadonlySet<string>> {
      if (caller.permissionsVersion !== undefined) {
        const holder = caller.tokenKind === 'Pat' ? `${caller.tokenId}/${caller.userId}` : caller.userId
        return rememberedLoad(byStamp, `${caller.orgId}\n${caller.permissionsVersion}\n${holder}`, () =>
          read(caller),
        )
      }
      let held = perRequest.get(caller)
      if (!held) {
        held = read(caller)
        perRequest.set(caller, held)
        held.catch(() => perRequest.delete(caller))
      }
      return held
    },
    /** Forget everything (the emulator's reset and snapshot restore replace the database). */
    clearCache(): void {
      byStamp.clear()
    },
  } satisfies OperationSource & { clearCache(): void }
}
