import type { RuleInput, RuleResult } from './types.ts'

/**
 * walletd reaches no screening vendor, so every screening ends in one of the vendor's fallback
 * cases: a request that names no recipient or value (a raw signature) is "unscreenable"; anything
 * else is a vendor "failure". Each case is skipped when its flag says so, and triggers otherwise
 * (fail closed, as the vendor-less path must never silently approve).
 */
export function evaluateWithoutVendor(
  vendor: string,
  input: RuleInput,
  flags: { skipUnscreenableTransaction: boolean; skipVendorFailure: boolean },
): RuleResult {
  const activity = input.activity
  const screenable =
    activity.kind === 'Wallets:Sign' && activity.recipient !== undefined && activity.value !== undefined
  if (!screenable) {
    return flags.skipUnscreenableTransaction
      ? {
          triggered: false,
          reason: `Transaction cannot be screened by ${vendor}; skipped by policy.`,
          context: { fallback: 'skipUnscreenableTransaction' },
        }
      : {
          triggered: true,
          reason: `Transaction cannot be screened by ${vendor}.`,
          context: { fallback: 'skipUnscreenableTransaction' },
        }
  }
  return flags.skipVendorFailure
    ? {
        triggered: false,
        reason: `${vendor} is not reachable; skipped by policy.`,
        context: { fallback: 'vendorFailure' },
      }
    : {
        triggered: true,
        reason: `${vendor} is not reachable; screening failed.`,
        context: { fallback: 'vendorFailure' },
      }
}
