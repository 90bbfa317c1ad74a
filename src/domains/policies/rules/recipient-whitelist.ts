import type { RuleConfiguration } from '../policy-body.ts'
import type { RuleInput, RuleResult } from './types.ts'

const HEX_ADDRESS = /^0x[0-9a-fA-F]+$/

/** EVM hex addresses compare case-insensitively (checksum casing is not identity); others exactly. */
function sameAddress(a: string, b: string): boolean {
  if (HEX_ADDRESS.test(a) && HEX_ADDRESS.test(b)) return a.toLowerCase() === b.toLowerCase()
  return a === b
}

/**
 * Triggers when the recipient is not on the list, and — fail closed — when it cannot be inferred
 * (a Hash or raw-message signature names no recipient). An empty list therefore always triggers.
 */
export function evaluateRecipientWhitelist(
  config: RuleConfiguration<'TransactionRecipientWhitelist'>,
  input: RuleInput,
): RuleResult {
  const recipient = input.activity.kind === 'Wallets:Sign' ? input.activity.recipient : undefined
  if (recipient === undefined) {
    return {
      triggered: true,
      reason: 'Transaction recipient could not be inferred.',
      context: { recipient: null },
    }
  }
  if (config.addresses.some((listed) => sameAddress(listed, recipient))) {
    return { triggered: false, reason: `Recipient ${recipient} is whitelisted.`, context: { recipient } }
  }
  return { triggered: true, reason: `Recipient ${recipient} is not whitelisted.`, context: { recipient } }
}
