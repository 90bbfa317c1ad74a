import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { activityKinds, allowedCombinations, ruleKinds } from '../../../src/domains/policies/policy-body.ts'
import { parsePolicyBody } from '../../../src/domains/policies/validate.ts'
import { AppError } from '../../../src/errors.ts'

const approval = {
  kind: 'RequestApproval',
  approvalGroups: [{ name: 'Admins', quorum: 1, approvers: {} }],
  autoRejectTimeout: 60,
}

/** A valid configuration for every rule kind. */
const configurations: Record<string, unknown> = {
  AlwaysTrigger: {},
  TransactionRecipientWhitelist: { addresses: ['0xabc'] },
  TransactionAmountLimit: { limit: 1000, currency: 'USD' },
  TransactionAmountVelocity: { limit: 1000, currency: 'USD', timeframe: 60 },
  TransactionCountVelocity: { limit: 5, timeframe: 60 },
  ChainalysisTransactionPrescreening: {
    alerts: { alertLevel: 'HIGH', categoryIds: [1] },
    exposures: { direct: { categoryIds: [2] } },
    addresses: { categoryIds: [3] },
    fallbackBehaviours: {
      skipUnscreenableTransaction: false,
      skipUnsupportedNetwork: false,
      skipUnsupportedAsset: false,
      skipChainalysisFailure: false,
    },
  },
  ChainalysisTransactionScreening: {
    alerts: { alertLevel: 'LOW', categoryIds: [] },
    exposures: { direct: { categoryIds: [] } },
    fallbackBehaviours: {
      skipUnscreenableTransaction: true,
      skipUnsupportedNetwork: true,
      skipUnsupportedAsset: true,
      skipChainalysisFailure: true,
    },
  },
  GlobalLedgerTransactionPrescreening: {
    riskScoreThreshold: 50,
    fallbackBehaviours: {
      skipUnscreenableTransaction: false,
      skipUnsupportedNetwork: false,
      skipUnsupportedAsset: false,
      skipGlobalLedgerFailure: true,
    },
  },
  TravelRuleTransactionPrescreening: { vendor: 'Notabene', autoTriggerTimeoutSeconds: 30 },
}
const actions: Record<string, unknown> = {
  RequestApproval: approval,
  Block: { kind: 'Block' },
  NoAction: { kind: 'NoAction' },
}

function refused(body: unknown, field: string): void {
  assert.throws(
    () => parsePolicyBody(body),
    (err: unknown) => {
      assert.ok(err instanceof AppError, `expected an AppError, got ${String(err)}`)
      assert.equal(err.status, 400)
      assert.equal(err.details?.field, field, `field named: ${err.message}`)
      assert.ok(err.message.startsWith(`${field}:`), err.message)
      return true
    },
  )
}

const signPolicy = (over: Record<string, unknown> = {}) => ({
  name: 'Limit',
  activityKind: 'Wallets:Sign',
  rule: { kind: 'TransactionAmountLimit', configuration: { limit: 1000, currency: 'USD' } },
  action: { kind: 'Block' },
  ...over,
})

describe('policy body validation: the combination table', () => {
  it('accepts every combination the reference table allows, and refuses every other one by name', () => {
    for (const activityKind of activityKinds) {
      const combo = allowedCombinations[activityKind]
      for (const ruleKind of ruleKinds) {
        for (const actionKind of Object.keys(actions)) {
          const body = {
            name: 'p',
            activityKind,
            rule: { kind: ruleKind, configuration: configurations[ruleKind] },
            action: actions[actionKind],
          }
          const ruleOk = (combo.rules as readonly string[]).includes(ruleKind)
          const actionOk = (combo.actions as readonly string[]).includes(actionKind)
          if (ruleOk && actionOk) {
            const parsed = parsePolicyBody(body)
            assert.equal(parsed.rule.kind, ruleKind)
            assert.equal(parsed.action.kind, actionKind)
          } else {
            refused(body, ruleOk ? 'action.kind' : 'rule.kind')
          }
        }
      }
    }
  })

  it('counts the allowed combinations the way the SDK union does', () => {
    const count = activityKinds.reduce(
      (n, k) => n + allowedCombinations[k].rules.length * allowedCombinations[k].actions.length,
      0,
    )
    // Wallets:Sign 8×3, IncomingTransaction 1×1, Permissions ×2 1×2, Policies 1×1, Registry ×2 1×2.
    assert.equal(count, 24 + 1 + 4 + 1 + 4)
  })

  it('refuses Block on Policies:Modify', () => {
    refused(
      {
        name: 'p',
        activityKind: 'Policies:Modify',
        rule: { kind: 'AlwaysTrigger' },
        action: { kind: 'Block' },
      },
      'action.kind',
    )
  })

  it('refuses filters.permissionId on Wallets:Sign and filters.walletId on Permissions:Modify', () => {
    refused(signPolicy({ filters: { permissionId: { in: ['pm-1'] } } }), 'filters.permissionId')
    refused(
      {
        name: 'p',
        activityKind: 'Permissions:Modify',
        rule: { kind: 'AlwaysTrigger' },
        action: { kind: 'Block' },
        filters: { walletId: { in: ['wa-1'] } },
      },
      'filters.walletId',
    )
  })

  it('requires permissionId inside filters for the permission activities when filters is given', () => {
    refused(
      {
        name: 'p',
        activityKind: 'Permissions:Assign',
        rule: { kind: 'AlwaysTrigger' },
        action: { kind: 'Block' },
        filters: {},
      },
      'filters.permissionId',
    )
    const ok = parsePolicyBody({
      name: 'p',
      activityKind: 'Permissions:Assign',
      rule: { kind: 'AlwaysTrigger' },
      action: { kind: 'Block' },
      filters: { permissionId: { in: ['pm-1'] } },
    })
    assert.deepEqual(ok.filters, { permissionId: { in: ['pm-1'] } })
  })

  it('accepts policyId filters only on Policies:Modify and no filters on Registry kinds', () => {
    assert.ok(
      parsePolicyBody({
        name: 'p',
        activityKind: 'Policies:Modify',
        rule: { kind: 'AlwaysTrigger' },
        action: approval,
        filters: { policyId: { in: ['plc-1'] } },
      }),
    )
    refused(
      {
        name: 'p',
        activityKind: 'Registry:Addresses:Modify',
        rule: { kind: 'AlwaysTrigger' },
        action: { kind: 'Block' },
        filters: { policyId: { in: ['plc-1'] } },
      },
      'filters.policyId',
    )
  })

  it('bounds the velocity timeframe to 1..43200 minutes', () => {
    const velocity = (timeframe: number) =>
      signPolicy({ rule: { kind: 'TransactionCountVelocity', configuration: { limit: 1, timeframe } } })
    refused(velocity(0), 'rule.configuration.timeframe')
    refused(velocity(43_201), 'rule.configuration.timeframe')
    refused(velocity(1.5), 'rule.configuration.timeframe')
    assert.ok(parsePolicyBody(velocity(1)))
    assert.ok(parsePolicyBody(velocity(43_200)))
  })

  it('accepts only USD', () => {
    refused(
      signPolicy({ rule: { kind: 'TransactionAmountLimit', configuration: { limit: 1, currency: 'EUR' } } }),
      'rule.configuration.currency',
    )
  })

  it('accepts a numeric string limit and stores a number', () => {
    const parsed = parsePolicyBody(
      signPolicy({
        rule: { kind: 'TransactionAmountLimit', configuration: { limit: '1000.5', currency: 'USD' } },
      }),
    )
    assert.deepEqual(parsed.rule, {
      kind: 'TransactionAmountLimit',
      configuration: { limit: 1000.5, currency: 'USD' },
    })
    refused(
      signPolicy({
        rule: { kind: 'TransactionAmountLimit', configuration: { limit: '10e3', currency: 'USD' } },
      }),
      'rule.configuration.limit',
    )
    refused(
      signPolicy({ rule: { kind: 'TransactionAmountLimit', configuration: { limit: -1, currency: 'USD' } } }),
      'rule.configuration.limit',
    )
    refused(
      signPolicy({
        rule: { kind: 'TransactionCountVelocity', configuration: { limit: '2.5', timeframe: 5 } },
      }),
      'rule.configuration.limit',
    )
  })

  it('names missing and unknown fields', () => {
    refused({ activityKind: 'Wallets:Sign' }, 'name')
    refused(signPolicy({ name: 'x'.repeat(257) }), 'name')
    refused(signPolicy({ activityKind: 'Wallets:Fly' }), 'activityKind')
    refused(signPolicy({ rule: undefined }), 'rule')
    refused(signPolicy({ rule: { kind: 'TransactionAmountLimit' } }), 'rule.configuration')
    refused(
      signPolicy({ rule: { kind: 'TransactionAmountLimit', configuration: { limit: 1 } } }),
      'rule.configuration.currency',
    )
    refused(signPolicy({ extra: true }), 'extra')
    refused(signPolicy({ action: { kind: 'Block', approvalGroups: [] } }), 'action.approvalGroups')
  })

  it('checks approval groups: at least one, positive quorum, reachable quorum, bounded timeout', () => {
    const withAction = (action: unknown) => signPolicy({ action })
    refused(withAction({ kind: 'RequestApproval', approvalGroups: [] }), 'action.approvalGroups')
    refused(
      withAction({ kind: 'RequestApproval', approvalGroups: [{ quorum: 0, approvers: {} }] }),
      'action.approvalGroups[0].quorum',
    )
    refused(
      withAction({
        kind: 'RequestApproval',
        approvalGroups: [
          { quorum: 1, approvers: {} },
          { quorum: 3, approvers: { userId: { in: ['us-1', 'us-2'] } } },
        ],
      }),
      'action.approvalGroups[1].quorum',
    )
    refused(
      withAction({ kind: 'RequestApproval', approvalGroups: [{ quorum: 1, approvers: { groupId: {} } }] }),
      'action.approvalGroups[0].approvers.groupId',
    )
    refused(
      withAction({
        kind: 'RequestApproval',
        approvalGroups: [{ quorum: 1, approvers: {} }],
        autoRejectTimeout: 0,
      }),
      'action.autoRejectTimeout',
    )
    const ok = parsePolicyBody(
      withAction({
        kind: 'RequestApproval',
        approvalGroups: [{ quorum: 1, approvers: {} }],
        autoRejectTimeout: null,
      }),
    )
    assert.equal(ok.action.kind, 'RequestApproval')
  })

  it('accepts AlwaysTrigger with or without its empty configuration', () => {
    const a = parsePolicyBody({
      name: 'p',
      activityKind: 'Wallets:Sign',
      rule: { kind: 'AlwaysTrigger' },
      action: { kind: 'NoAction' },
    })
    assert.deepEqual(a.rule, { kind: 'AlwaysTrigger' })
    refused(
      {
        name: 'p',
        activityKind: 'Wallets:Sign',
        rule: { kind: 'AlwaysTrigger', configuration: { x: 1 } },
        action: { kind: 'NoAction' },
      },
      'rule.configuration.x',
    )
  })
})
