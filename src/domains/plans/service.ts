import type { Clock } from '../../clock.ts'
import { AppError } from '../../errors.ts'
import { type BooleanFeature, type Plan, type PlanFeatures, type PlanName, planTemplate } from './plans.ts'
import type { PlanRepository } from './repository.ts'

export interface PlanChange {
  /** Switch to a template first, then apply the rest. */
  readonly plan?: PlanName
  readonly enable?: readonly BooleanFeature[]
  readonly disable?: readonly BooleanFeature[]
  readonly webhooks?: number
  readonly rateLimitPerMinute?: number
}

export interface PlanService {
  planOf(orgId: string): Promise<Plan>
  /** Throws 402 naming the feature and the plan when the org's plan lacks it. */
  requireFeature(orgId: string, feature: BooleanFeature): Promise<void>
  change(orgId: string, change: PlanChange): Promise<Plan>
  /** Forget cached plans (the emulator's reset: the database they were read from changed). */
  clearCache(): void
}

/**
 * Plans are read on every request (the rate limit's quota), so each node caches them for
 * `cacheMs` (2 s by default): a plan changed by the operator applies on every node within that
 * time. Changes made through this service apply at once on this node.
 */
export function createPlanService(deps: {
  repository: PlanRepository
  clock: Clock
  defaultRateLimit: number
  cacheMs?: number
}): PlanService {
  const cache = new Map<string, { plan: Plan; until: number }>()
  const cacheMs = deps.cacheMs ?? 2000
  const defaultPlan = planTemplate('Developer', deps.defaultRateLimit)

  const planOf = async (orgId: string): Promise<Plan> => {
    const now = deps.clock.now().getTime()
    const hit = cache.get(orgId)
    if (hit && hit.until > now && hit.until - cacheMs <= now) return hit.plan
    const plan = (await deps.repository.find(orgId)) ?? defaultPlan
    if (cache.size > 10_000) cache.clear()
    cache.set(orgId, { plan, until: now + cacheMs })
    return plan
  }

  return {
    planOf,
    clearCache: () => cache.clear(),
    async requireFeature(orgId, feature) {
      const plan = await planOf(orgId)
      if (!plan.features[feature]) {
        throw new AppError(
          'payment_required',
          `Feature ${feature} is not available on the ${plan.name} plan.`,
          {
            details: { feature, plan: plan.name, orgId },
          },
        )
      }
    },
    async change(orgId, change) {
      const current = change.plan
        ? planTemplate(change.plan, deps.defaultRateLimit)
        : ((await deps.repository.find(orgId)) ?? defaultPlan)
      const features: Record<string, boolean | number> = { ...current.features }
      for (const f of change.enable ?? []) features[f] = true
      for (const f of change.disable ?? []) features[f] = false
      if (change.webhooks !== undefined) features.webhooks = change.webhooks
      const next: Plan = {
        name: current.name,
        features: features as unknown as PlanFeatures,
        rateLimitPerMinute: change.rateLimitPerMinute ?? current.rateLimitPerMinute,
      }
      await deps.repository.save(orgId, next, deps.clock.now())
      cache.delete(orgId)
      return next
    },
  }
}
