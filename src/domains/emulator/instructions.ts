import type { OperatorToken } from './operator-token.ts'

/** How to reach the emulator controls; names where the token is, never prints the token itself. */
export function emulatorInstructions(baseUrl: string, operator: OperatorToken): string {
  const token = 'env' in operator.source ? `$${operator.source.env}` : `$(cat ${operator.source.file})`
  return (
    `Emulator controls (seed, reset, snapshots, clock, faults, journal, mailbox, dev chains, faucet) answer under ` +
    `${baseUrl}/emulator/ with the operator token: ` +
    `curl -H "Authorization: Bearer ${token}" ${baseUrl}/emulator/clock`
  )
}
