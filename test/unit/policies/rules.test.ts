import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { ChangeActivity, WalletSignActivity } from '../../../src/domains/policies/activity.ts'
import type { Rule } from '../../../src/domains/policies/policy-body.ts'
import { evaluateRule, type RuleInput, ruleKindFeatures } from '../../../src/domains/policies/rules/index.ts'

const transfer: WalletSignActivity = {
  kind: 'Wallets:Sign',
  orgId: 'or-1',
  walletId: 'wa-1',
  walletTags: [],
  requestId: 'xfr-1',
  requestField: 'transferRequest',
  request: {},
  initiator: { userId: 'us-1', kind: 'CustomerEmployee' },
  recipient: '0xAbCdEf0000000000000000000000000000000001',
  value: { symbol: 'ETH', decimals: 18, amount: '1000000000000000000' },
}
/** A Hash signature: no recipient, no value. */
const hashSignature: WalletSignActivity = {
  ...transfer,
  requestId: 'sig-1',
  recipient: undefined,
  value: undefined,
}

/** Plain input data for the rule functions; the real ledger is exercised in test/storage. */
function input(
  activity: WalletSignActivity | ChangeActivity,
  usdValue: number | undefined,
  window = { count: 1, amountUsd: usdValue ?? 0, unpricedCount: usdValue === undefined ? 1 : 0 },
): RuleInput & { asked: number[] } {
  const asked: number[] = []
  return {
    activity,
    usdValue,
    asked,
    window: async (minutes) => {
      asked.push(minutes)
      return window
    },
  }
}

describe('rules', () => {
  it('AlwaysTrigger always triggers, on any activity', async () => {
    assert.equal((await evaluateRule({ kind: 'AlwaysTrigger' }, input(transfer, 1))).triggered, true)
    const change = {
      kind: 'Policies:Modify',
      orgId: 'or-1',
      initiator: transfer.initiator,
    } as unknown as ChangeActivity
    assert.equal(
      (await evaluateRule({ kind: 'AlwaysTrigger', configuration: {} }, input(change, undefined))).triggered,
      true,
    )
  })

  describe('TransactionRecipientWhitelist', () => {
    const rule = (addresses: string[]): Rule => ({
      kind: 'TransactionRecipientWhitelist',
      configuration: { addresses },
    })

    it('passes a listed recipient (EVM addresses case-insensitively) and triggers for others', async () => {
      const listed = await evaluateRule(
        rule(['0xabcdef0000000000000000000000000000000001']),
        input(transfer, 1),
      )
      assert.equal(listed.triggered, false)
      const other = await evaluateRule(
        rule(['0x0000000000000000000000000000000000000002']),
        input(transfer, 1),
      )
      assert.equal(other.triggered, true)
      assert.match(other.reason, /not whitelisted/)
    })

    it('compares non-hex addresses exactly (base58 is case-sensitive)', async () => {
      const sol = { ...transfer, recipient: 'AbC111' }
      assert.equal((await evaluateRule(rule(['abc111']), input(sol, 1))).triggered, true)
      assert.equal((await evaluateRule(rule(['AbC111']), input(sol, 1))).triggered, false)
    })

    it('triggers when the recipient cannot be inferred (Hash signature), and on an empty list', async () => {
      const hash = await evaluateRule(rule(['0xabc']), input(hashSignature, undefined))
      assert.equal(hash.triggered, true)
      assert.match(hash.reason, /could not be inferred/)
      assert.equal((await evaluateRule(rule([]), input(transfer, 1))).triggered, true)
    })
  })

  describe('TransactionAmountLimit', () => {
    const rule: Rule = { kind: 'TransactionAmountLimit', configuration: { limit: 1000, currency: 'USD' } }
    it('triggers strictly above the limit', async () => {
      assert.equal((await evaluateRule(rule, input(transfer, 1000))).triggered, false)
      const above = await evaluateRule(rule, input(transfer, 1000.01))
      assert.equal(above.triggered, true)
      assert.equal(above.reason, 'Transaction amount (USD 1000.01) is above limit (USD 1000).')
    })
    it('fails closed when the amount has no USD value', async () => {
      const r = await evaluateRule(rule, input(hashSignature, undefined))
      assert.equal(r.triggered, true)
      assert.match(r.reason, /could not be valued/)
    })
  })

  describe('TransactionAmountVelocity', () => {
    const rule: Rule = {
      kind: 'TransactionAmountVelocity',
      configuration: { limit: 100, currency: 'USD', timeframe: 30 },
    }
    it('reads its own timeframe and compares the window total (current included) with >', async () => {
      const within = input(transfer, 10, { count: 3, amountUsd: 100, unpricedCount: 0 })
      assert.equal((await evaluateRule(rule, within)).triggered, false)
      assert.deepEqual(within.asked, [30])
      const above = await evaluateRule(
        rule,
        input(transfer, 10, { count: 3, amountUsd: 100.5, unpricedCount: 0 }),
      )
      assert.equal(above.triggered, true)
      assert.match(above.reason, /Cumulative transaction amount \(USD 100.50\) is above limit \(USD 100\)/)
    })
    it('fails closed when the current or an earlier request in the window was not priced', async () => {
      assert.equal(
        (await evaluateRule(rule, input(transfer, undefined, { count: 1, amountUsd: 0, unpricedCount: 1 })))
          .triggered,
        true,
      )
      assert.equal(
        (await evaluateRule(rule, input(transfer, 1, { count: 2, amountUsd: 1, unpricedCount: 1 })))
          .triggered,
        true,
      )
    })
  })

  describe('TransactionCountVelocity', () => {
    const rule: Rule = { kind: 'TransactionCountVelocity', configuration: { limit: 2, timeframe: 5 } }
    it('lets `limit` requests through per window and triggers on the next one', async () => {
      assert.equal(
        (await evaluateRule(rule, input(transfer, 1, { count: 2, amountUsd: 0, unpricedCount: 0 })))
          .triggered,
        false,
      )
      const third = await evaluateRule(rule, input(transfer, 1, { count: 3, amountUsd: 0, unpricedCount: 0 }))
      assert.equal(third.triggered, true)
      assert.equal(third.reason, 'Transaction count (3) is above limit (2).')
    })
    it('counts a Hash signature like any other request', async () => {
      assert.equal(
        (
          await evaluateRule(
            rule,
            input(hashSignature, undefined, { count: 3, amountUsd: 0, unpricedCount: 3 }),
          )
        ).triggered,
        true,
      )
    })
  })

  describe('screening rules without a reachable vendor follow fallbackBehaviours', () => {
    const chainalysis = (skipUnscreenable: boolean, skipFailure: boolean): Rule => ({
      kind: 'ChainalysisTransactionPrescreening',
      configuration: {
        alerts: { alertLevel: 'HIGH', categoryIds: [] },
        exposures: { direct: { categoryIds: [] } },
        addresses: { categoryIds: [] },
        fallbackBehaviours: {
          skipUnscreenableTransaction: skipUnscreenable,
          skipUnsupportedNetwork: false,
          skipUnsupportedAsset: false,
          skipChainalysisFailure: skipFailure,
        },
      },
    })
    it('Chainalysis: vendor failure skips only when skipChainalysisFailure', async () => {
      assert.equal((await evaluateRule(chainalysis(false, true), input(transfer, 1))).triggered, false)
      assert.equal((await evaluateRule(chainalysis(true, false), input(transfer, 1))).triggered, true)
    })
    it('Chainalysis: a raw signature is unscreenable and skips only when skipUnscreenableTransaction', async () => {
      assert.equal(
        (await evaluateRule(chainalysis(true, false), input(hashSignature, undefined))).triggered,
        false,
      )
      assert.equal(
        (await evaluateRule(chainalysis(false, true), input(hashSignature, undefined))).triggered,
        true,
      )
    })
    it('GlobalLedger uses skipGlobalLedgerFailure', async () => {
      const rule = (skip: boolean): Rule => ({
        kind: 'GlobalLedgerTransactionPrescreening',
        configuration: {
          riskScoreThreshold: 10,
          fallbackBehaviours: {
            skipUnscreenableTransaction: false,
            skipUnsupportedNetwork: false,
            skipUnsupportedAsset: false,
            skipGlobalLedgerFailure: skip,
          },
        },
      })
      assert.equal((await evaluateRule(rule(true), input(transfer, 1))).triggered, false)
      assert.equal((await evaluateRule(rule(false), input(transfer, 1))).triggered, true)
    })
    it('TravelRule has no fallback and triggers', async () => {
      const r = await evaluateRule(
        {
          kind: 'TravelRuleTransactionPrescreening',
          configuration: { vendor: 'Notabene', autoTriggerTimeoutSeconds: 1 },
        },
        input(transfer, 1),
      )
      assert.equal(r.triggered, true)
    })
    it('names the plan feature each vendor rule needs', () => {
      assert.deepEqual(ruleKindFeatures, {
        ChainalysisTransactionPrescreening: 'chainalysis',
        ChainalysisTransactionScreening: 'chainalysis',
        GlobalLedgerTransactionPrescreening: 'globalLedger',
        TravelRuleTransactionPrescreening: 'travelRule',
      })
    })
  })

  it('a wallet rule on a non-wallet activity fails closed', async () => {
    const change = {
      kind: 'Permissions:Modify',
      orgId: 'or-1',
      initiator: transfer.initiator,
    } as unknown as ChangeActivity
    const r = await evaluateRule(
      { kind: 'TransactionAmountLimit', configuration: { limit: 1, currency: 'USD' } },
      input(change, 0),
    )
    assert.equal(r.triggered, true)
  })
})
