import type { RuleConfiguration } from '../policy-body.ts'
import { evaluateWithoutVendor } from './screening.ts'
import type { RuleInput, RuleResult } from './types.ts'

export function evaluateGlobalLedger(
  config: RuleConfiguration<'GlobalLedgerTransactionPrescreening'>,
  input: RuleInput,
): RuleResult {
  const fb = config.fallbackBehaviours
  return evaluateWithoutVendor('GlobalLedger', input, {
    skipUnscreenableTransaction: fb.skipUnscreenableTransaction,
    skipVendorFailure: fb.skipGlobalLedgerFailure,
  })
}
