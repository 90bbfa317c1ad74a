/**
 * The plans domain as the rest of walletd sees it. Other domains gate a feature either for a whole
 * route (`config: { planFeature: 'walletExport' }` in the route options, checked by the plan gate)
 * or for part of a body (`plans.requireFeature(orgId, 'chainalysis')` in their service).
 */
import type { FastifyInstance } from 'fastify'
import type { Clock } from '../../clock.ts'
import type { Db } from '../../db/database.ts'
import { createPlanRepository } from './repository.ts'
import { createPlanService, type PlanService } from './service.ts'

export { installPlanGate } from './gate.ts'
export type { BooleanFeature, Plan, PlanFeatures, PlanName } from './plans.ts'
export type { PlanChange, PlanService } from './service.ts'

export interface PlansModule {
  readonly service: PlanService
  /** Plans have no API route: an operator changes them with `walletd org plan`. */
  registerRoutes(app: FastifyInstance): void
}

export function createPlansModule(deps: { db: Db; clock: Clock; defaultRateLimit: number }): PlansModule {
  const service = createPlanService({
    repository: createPlanRepository(deps.db),
    clock: deps.clock,
    defaultRateLimit: deps.defaultRateLimit,
  })
  return { service, registerRoutes() {} }
}
