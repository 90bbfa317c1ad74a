import type { RuleConfiguration } from '../policy-body.ts'
import { type RuleInput, type RuleResult, usd } from './types.ts'

/** Triggers when the request's USD value is above the limit, or unknown (fail closed). */
export function evaluateAmountLimit(
  config: RuleConfiguration<'TransactionAmountLimit'>,
  input: RuleInput,
): RuleResult {
  const limit = config.limit
  if (input.usdValue === undefined) {
    return {
      triggered: true,
      reason: 'Transaction amount could not be valued in USD.',
      context: { amount: null, limit, currency: 'USD' },
    }
  }
  const context = { amount: input.usdValue, limit, currency: 'USD' }
  return input.usdValue > limit
    ? {
        triggered: true,
        reason: `Transaction amount (${usd(input.usdValue)}) is above limit (${usd(limit)}).`,
        context,
      }
    : {
        triggered: false,
        reason: `Transaction amount (${usd(input.usdValue)}) is within limit (${usd(limit)}).`,
        context,
      }
}
