/** The state changes users, service accounts and PATs share (activate, deactivate, archive). */
export type LifecycleChange = 'activate' | 'deactivate' | 'archive'

/** Archiving is final: it deactivates too, and an archived identity accepts no further change. */
export function lifecyclePatch(change: LifecycleChange): { isActive: boolean; isArchived?: boolean } {
  if (change === 'activate') return { isActive: true }
  if (change === 'deactivate') return { isActive: false }
  return { isActive: false, isArchived: true }
}
