import type { RuleConfiguration } from '../policy-body.ts'
import { evaluateWithoutVendor } from './screening.ts'
import type { RuleInput, RuleResult } from './types.ts'

/** Both Chainalysis rules (outgoing prescreening and incoming screening) share fallbacks. */
export function evaluateChainalysis(
  config: RuleConfiguration<'ChainalysisTransactionPrescreening' | 'ChainalysisTransactionScreening'>,
  input: RuleInput,
): RuleResult {
  const fb = config.fallbackBehaviours
  return evaluateWithoutVendor('Chainalysis', input, {
    skipUnscreenableTransaction: fb.skipUnscreenableTransaction,
    skipVendorFailure: fb.skipChainalysisFailure,
  })
}
