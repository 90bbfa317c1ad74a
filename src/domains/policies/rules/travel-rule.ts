import type { RuleConfiguration } from '../policy-body.ts'
import type { RuleResult } from './types.ts'

/**
 * The travel-rule configuration has no fallback flags: without a reachable Notabene the message
 * cannot be delivered, so the rule always triggers (fail closed) and the policy's action decides.
 */
export function evaluateTravelRule(
  config: RuleConfiguration<'TravelRuleTransactionPrescreening'>,
): RuleResult {
  return {
    triggered: true,
    reason: `Travel rule vendor ${config.vendor} is not reachable; the transfer cannot be cleared.`,
    context: { vendor: config.vendor },
  }
}
