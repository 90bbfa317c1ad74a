import type { RuleResult } from './types.ts'

export function evaluateAlwaysTrigger(): RuleResult {
  return { triggered: true, reason: 'Policy rule always triggers.' }
}
