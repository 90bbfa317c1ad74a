/**
 * Canonical JSON: object keys sorted at every depth, no whitespace, arrays in order. Two bodies
 * that differ only in key order or formatting compare equal. Used for externalId idempotency
 * (externalId idempotency) and for the user-action body fallback.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value))
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys)
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {}
    for (const key of Object.keys(value).sort()) {
      const item = (value as Record<string, unknown>)[key]
      if (item !== undefined) out[key] = sortKeys(item)
    }
    return out
  }
  return value
}
