import type { Rule, RuleKind } from '../policy-body.ts'
import { evaluateAlwaysTrigger } from './always-trigger.ts'
import { evaluateAmountLimit } from './amount-limit.ts'
import { evaluateAmountVelocity } from './amount-velocity.ts'
import { evaluateChainalysis } from './chainalysis.ts'
import { evaluateCountVelocity } from './count-velocity.ts'
import { evaluateGlobalLedger } from './global-ledger.ts'
import { evaluateRecipientWhitelist } from './recipient-whitelist.ts'
import { evaluateTravelRule } from './travel-rule.ts'
import type { RuleInput, RuleResult } from './types.ts'

export type { RuleInput, RuleResult, VelocityWindow } from './types.ts'

/** Plan features a rule kind needs; the plans domain answers 402 when off. */
export const ruleKindFeatures: Readonly<
  Partial<Record<RuleKind, 'chainalysis' | 'globalLedger' | 'travelRule'>>
> = {
  ChainalysisTransactionPrescreening: 'chainalysis',
  ChainalysisTransactionScreening: 'chainalysis',
  GlobalLedgerTransactionPrescreening: 'globalLedger',
  TravelRuleTransactionPrescreening: 'travelRule',
}

/** Rule kinds that read the wallet's request history (and so need the velocity ledger). */
export const velocityRuleKinds: ReadonlySet<RuleKind> = new Set([
  'TransactionAmountVelocity',
  'TransactionCountVelocity',
])

export async function evaluateRule(rule: Rule, input: RuleInput): Promise<RuleResult> {
  // Every rule but AlwaysTrigger needs a wallet request; validation never pairs them otherwise,
  // but a stored row is still checked rather than trusted (fail closed).
  if (rule.kind !== 'AlwaysTrigger' && input.activity.kind !== 'Wallets:Sign') {
    return { triggered: true, reason: `Rule ${rule.kind} cannot evaluate a ${input.activity.kind} activity.` }
  }
  switch (rule.kind) {
    case 'AlwaysTrigger':
      return evaluateAlwaysTrigger()
    case 'TransactionRecipientWhitelist':
      return evaluateRecipientWhitelist(rule.configuration, input)
    case 'TransactionAmountLimit':
      return evaluateAmountLimit(rule.configuration, input)
    case 'TransactionAmountVelocity':
      return evaluateAmountVelocity(rule.configuration, input)
    case 'TransactionCountVelocity':
      return evaluateCountVelocity(rule.configuration, input)
    case 'ChainalysisTransactionPrescreening':
    case 'ChainalysisTransactionScreening':
      return evaluateChainalysis(rule.configuration, input)
    case 'GlobalLedgerTransactionPrescreening':
      return evaluateGlobalLedger(rule.configuration, input)
    case 'TravelRuleTransactionPrescreening':
      return evaluateTravelRule(rule.configuration)
  }
}
