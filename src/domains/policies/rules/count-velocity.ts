import type { RuleConfiguration } from '../policy-body.ts'
import type { RuleInput, RuleResult } from './types.ts'

/**
 * Number of the wallet's requests over the last `timeframe` minutes, the current one included,
 * compared with `>`: a limit of N lets N requests through per window and the (N+1)-th triggers.
 * (The docs' message "(2) is above limit (2)" is the same behaviour counted without the current
 * request; our message counts it, so the same case reads "(3) is above limit (2)".)
 */
export async function evaluateCountVelocity(
  config: RuleConfiguration<'TransactionCountVelocity'>,
  input: RuleInput,
): Promise<RuleResult> {
  const { limit, timeframe } = config
  const window = await input.window(timeframe)
  const context = { count: window.count, limit, timeframe }
  return window.count > limit
    ? { triggered: true, reason: `Transaction count (${window.count}) is above limit (${limit}).`, context }
    : { triggered: false, reason: `Transaction count (${window.count}) is within limit (${limit}).`, context }
}
