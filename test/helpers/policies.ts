import { type DfnsApiClient, PolicyPendingError } from '@dfns/sdk'
import type { Walletd } from './sdk.ts'

/** A Chainalysis prescreening policy that needs the plan's `chainalysis` feature (402 without it). */
export const chainalysisPolicy: Parameters<DfnsApiClient['policies']['createPolicy']>[0]['body'] = {
  name: 'kyt',
  activityKind: 'Wallets:Sign',
  rule: {
    kind: 'ChainalysisTransactionPrescreening',
    configuration: {
      alerts: { alertLevel: 'HIGH', categoryIds: [] },
      exposures: { direct: { categoryIds: [] } },
      addresses: { categoryIds: [] },
      fallbackBehaviours: {
        skipUnscreenableTransaction: true,
        skipUnsupportedNetwork: true,
        skipUnsupportedAsset: true,
        skipChainalysisFailure: true,
      },
    },
  },
  action: { kind: 'NoAction' },
}

/** The body of a call answered 202 (the SDK raises PolicyPendingError carrying it). */
export async function pendingBody<T = Record<string, unknown>>(call: Promise<unknown>): Promise<T> {
  try {
    await call
  } catch (err) {
    if (err instanceof PolicyPendingError) return err.context as T
    throw err
  }
  throw new Error('expected a 202 (PolicyPendingError), the call succeeded')
}

/** A Block policy on one wallet that lets `limit` signature requests through per hour. */
export const countLimitPolicy = (
  walletId: string,
  limit: number,
): Parameters<DfnsApiClient['policies']['createPolicy']>[0]['body'] => ({
  name: `${limit} per hour on ${walletId}`,
  activityKind: 'Wallets:Sign',
  rule: { kind: 'TransactionCountVelocity', configuration: { limit, timeframe: 60 } },
  action: { kind: 'Block' },
  filters: { walletId: { in: [walletId] } },
})

/** A Wallets:Sign policy that always triggers `action` for one wallet. */
export const walletGuard = (client: DfnsApiClient, walletId: string, action: Record<string, unknown>) =>
  client.policies.createPolicy({
    body: {
      name: `guard ${walletId}`,
      activityKind: 'Wallets:Sign',
      rule: { kind: 'AlwaysTrigger' },
      action: action as never,
      filters: { walletId: { in: [walletId] } },
    },
  })

/** A Wallets:Sign policy on one wallet whose every request waits for one approval by `approverId`. */
export const approvalGuard = (client: DfnsApiClient, walletId: string, approverId: string) =>
  walletGuard(client, walletId, {
    kind: 'RequestApproval',
    autoRejectTimeout: 60,
    approvalGroups: [{ quorum: 1, approvers: { userId: { in: [approverId] } } }],
  })

/** Who decides approvals: a client, and the user it acts for. */
export interface Approver {
  readonly userId: string
  readonly client: DfnsApiClient
}

/** `approver` approves or denies an approval. */
export const decide = (approver: Approver, approvalId: string, value: 'Approved' | 'Denied') =>
  approver.client.policies.createApprovalDecision({ approvalId, body: { value } })

/** A new user who may read and decide approvals (the permission guard checks that before the rules). */
export async function newApprover(w: Walletd) {
  const approver = await w.newUser()
  await w.grant([approver.userId], ['Policies:Approvals:Read', 'Policies:Approvals:Approve'], 'Approver')
  return approver
}
