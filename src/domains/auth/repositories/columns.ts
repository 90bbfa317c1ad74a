/** Booleans are stored as 0/1 on both dialects; `undefined` (no change) stays undefined. */
export const bit = (value: boolean | undefined): 0 | 1 | undefined =>
  value === undefined ? undefined : value ? 1 : 0
