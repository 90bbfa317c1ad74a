import type { Db } from '../../db/database.ts'
import type { Plan, PlanFeatures } from './plans.ts'

export interface PlanRepository {
  find(orgId: string): Promise<Plan | undefined>
  save(orgId: string, plan: Plan, now: Date): Promise<void>
}

export function createPlanRepository(db: Db): PlanRepository {
  return {
    async find(orgId) {
      const row = await db.selectFrom('org_plans').selectAll().where('org_id', '=', orgId).executeTakeFirst()
      if (!row) return undefined
      return {
        name: row.name,
        features: JSON.parse(row.features) as PlanFeatures,
        rateLimitPerMinute: row.rate_limit_per_minute,
      }
    },
    async save(orgId, plan, now) {
      const values = {
        name: plan.name,
        features: JSON.stringify(plan.features),
        rate_limit_per_minute: plan.rateLimitPerMinute,
        date_updated: now.toISOString(),
      }
      await db
        .insertInto('org_plans')
        .values({ org_id: orgId, ...values })
        .onConflict((oc) => oc.column('org_id').doUpdateSet(values))
        .execute()
    },
  }
}
