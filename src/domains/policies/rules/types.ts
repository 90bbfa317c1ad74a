import type { GovernedActivity } from '../activity.ts'

/** Totals for one wallet over a velocity window; the request being evaluated is included. */
export interface VelocityWindow {
  readonly count: number
  /** Sum of the priced requests, in USD. */
  readonly amountUsd: number
  /** Requests in the window whose USD value was unknown: the window's total is then unknown too. */
  readonly unpricedCount: number
}

export interface RuleInput {
  readonly activity: GovernedActivity
  /** USD value of the current request; undefined when it could not be priced. */
  readonly usdValue: number | undefined
  /** Totals of the wallet's governed requests in the last `timeframeMinutes`, current one included. */
  window(timeframeMinutes: number): Promise<VelocityWindow>
}

export interface RuleResult {
  readonly triggered: boolean
  readonly reason: string
  readonly context?: Record<string, unknown>
}

export const usd = (value: number): string => `USD ${Number.isInteger(value) ? value : value.toFixed(2)}`
