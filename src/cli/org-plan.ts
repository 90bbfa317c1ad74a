import { systemClock } from '../clock.ts'
import type { Config } from '../config.ts'
import { createOrgRepository } from '../domains/auth/repositories/orgs.ts'
import { createPlansModule, type PlanChange } from '../domains/plans/index.ts'
import {
  type BooleanFeature,
  booleanFeatures,
  isBooleanFeature,
  isPlanName,
  type Plan,
  planNames,
} from '../domains/plans/plans.ts'
import { openForCommand } from './master-key.ts'

export interface OrgPlanFlags {
  plan?: string | undefined
  enable?: string[] | undefined
  disable?: string[] | undefined
  rateLimit?: string | undefined
  webhooks?: string | undefined
  json?: boolean | undefined
}

export const orgPlanUsage =
  'usage: walletd org plan <orgId> [--plan Developer|Enterprise] [--enable <feature>]… ' +
  '[--disable <feature>]… [--rate-limit <requests per minute, 0 = unlimited>] [--webhooks <n>] [--json]\n' +
  `features: ${booleanFeatures.join(', ')}\n`

class UsageError extends Error {}

function count(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined
  const value = Number(raw)
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(value)) {
    throw new UsageError(`${name} must be a whole number ≥ 0, got ${JSON.stringify(raw)}`)
  }
  return value
}

function features(flag: string, raw: string[] | undefined): BooleanFeature[] {
  return (raw ?? []).map((name) => {
    if (!isBooleanFeature(name)) {
      throw new UsageError(
        `${flag} ${JSON.stringify(name)}: not a feature; features: ${booleanFeatures.join(', ')}`,
      )
    }
    return name
  })
}

/** Turn the flags into a change; nothing to change means "show". */
export function planChangeFrom(flags: OrgPlanFlags): PlanChange | undefined {
  if (flags.plan !== undefined && !isPlanName(flags.plan)) {
    throw new UsageError(`--plan must be one of ${planNames.join(', ')}, got ${JSON.stringify(flags.plan)}`)
  }
  const enable = features('--enable', flags.enable)
  const disable = features('--disable', flags.disable)
  const both = enable.filter((f) => disable.includes(f))
  if (both.length) throw new UsageError(`cannot both enable and disable ${both.join(', ')}`)
  const change: PlanChange = {
    ...(flags.plan !== undefined && isPlanName(flags.plan) ? { plan: flags.plan } : {}),
    ...(enable.length ? { enable } : {}),
    ...(disable.length ? { disable } : {}),
    ...(flags.webhooks !== undefined ? { webhooks: count('--webhooks', flags.webhooks) } : {}),
    ...(flags.rateLimit !== undefined ? { rateLimitPerMinute: count('--rate-limit', flags.rateLimit) } : {}),
  }
  return Object.keys(change).length ? change : undefined
}

export function describePlan(orgId: string, plan: Plan): string {
  const lines = [
    `org           ${orgId}`,
    `plan          ${plan.name}`,
    `rate limit    ${plan.rateLimitPerMinute === 0 ? 'unlimited' : `${plan.rateLimitPerMinute} requests per minute`}`,
    `webhooks      ${plan.features.webhooks}`,
    ...booleanFeatures.map((f) => `${f.padEnd(14)}${plan.features[f] ? 'enabled' : 'disabled'}`),
  ]
  return `${lines.join('\n')}\n`
}

/**
 * `walletd org plan <orgId> [changes]`: show an org's plan, or change it and show the result.
 * Nodes cache plans for 2 s, so a change applies everywhere within that time without a restart.
 */
export async function runOrgPlanCommand(
  config: Config,
  args: string[],
  flags: OrgPlanFlags,
): Promise<number> {
  const [sub, orgId, ...extra] = args
  if (sub !== 'plan' || !orgId || extra.length) {
    process.stderr.write(orgPlanUsage)
    return 2
  }
  let change: PlanChange | undefined
  try {
    change = planChangeFrom(flags)
  } catch (err) {
    if (!(err instanceof UsageError)) throw err
    process.stderr.write(`${err.message}\n${orgPlanUsage}`)
    return 2
  }
  const { database } = await openForCommand(config, { needsKey: false, now: systemClock.now() })
  try {
    if (!(await createOrgRepository(database.db).orgExists(orgId))) {
      process.stderr.write(`org ${orgId} not found on ${database.location}\n`)
      return 1
    }
    const { service: plans } = createPlansModule({
      db: database.db,
      clock: systemClock,
      defaultRateLimit: config.defaultRateLimit,
    })
    const plan = change ? await plans.change(orgId, change) : await plans.planOf(orgId)
    process.stdout.write(flags.json ? `${JSON.stringify({ orgId, ...plan })}\n` : describePlan(orgId, plan))
    return 0
  } finally {
    await database.close()
  }
}
