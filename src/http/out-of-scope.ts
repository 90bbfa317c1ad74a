/**
 * Dfns domains walletd does not reproduce (api-reference/README.md, "out of scope"). Requests to
 * them answer 501 in the error contract naming the domain, never a misleading 402 or empty 200.
 */
const outOfScope: ReadonlyArray<readonly [RegExp, string]> = [
  [/^\/exchanges(\/|$)/, 'exchanges'],
  [/^\/staking(\/|$)/, 'staking'],
  [/^\/swaps(\/|$)/, 'swaps'],
  [/^\/payouts(\/|$)/, 'payouts'],
  [/^\/allocations(\/|$)/, 'allocations'],
  [/^\/fee-sponsors(\/|$)/, 'fee sponsors'],
  [/^\/networks\/[^/]+\/validators(\/|$)/, 'canton'],
  [/^\/wallets\/[^/]+\/canton(\/|$)/, 'canton'],
  [/^\/wallets\/[^/]+\/offers(\/|$)/, 'canton'],
  [/^\/agreements(\/|$)/, 'agreements'],
  [/^\/key-stores(\/|$)/, 'key-stores'],
]

export function outOfScopeDomainFor(path: string): string | undefined {
  return outOfScope.find(([pattern]) => pattern.test(path))?.[1]
}

export const outOfScopeDomains = [...new Set(outOfScope.map(([, name]) => name))]
