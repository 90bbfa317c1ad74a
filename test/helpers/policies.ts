import type { DfnsApiClient } from '@dfns/sdk'

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
