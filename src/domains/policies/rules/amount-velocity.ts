import type { RuleConfiguration } from '../policy-body.ts'
import { type RuleInput, type RuleResult, usd } from './types.ts'

/**
 * Cumulative USD value of the wallet's requests over the last `timeframe` minutes, the current one
 * included, compared with `>` to the limit. Fail closed: when the current request or any request
 * in the window could not be priced, the total is unknown and the rule triggers.
 */
export async function evaluateAmountVelocity(
  config: RuleConfiguration<'TransactionAmountVelocity'>,
  input: RuleInput,
): Promise<RuleResult> {
  const { limit, timeframe } = config
  const window = await input.window(timeframe)
  const context = {
    amount: window.amountUsd,
    unpricedCount: window.unpricedCount,
    limit,
    currency: 'USD',
    timeframe,
  }
  if (input.usdValue === undefined || window.unpricedCount > 0) {
    return {
      triggered: true,
      reason: `Cumulative transaction amount over the last ${timeframe} minutes could not be valued in USD.`,
      context,
    }
  }
  return window.amountUsd > limit
    ? {
        triggered: true,
        reason: `Cumulative transaction amount (${usd(window.amountUsd)}) is above limit (${usd(limit)}).`,
        context,
      }
    : {
        triggered: false,
        reason: `Cumulative transaction amount (${usd(window.amountUsd)}) is within limit (${usd(limit)}).`,
        context,
      }
}
