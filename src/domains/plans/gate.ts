import type { FastifyInstance } from 'fastify'
import type { BooleanFeature } from './plans.ts'
import type { PlanService } from './service.ts'

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * The plan feature a route needs as a whole (e.g. `walletExport` on POST /wallets/:id/export):
     * without it the org gets 402 before its user action is consumed. A feature that depends on the
     * body (a Chainalysis policy rule) is checked by the domain with `PlanService.requireFeature`.
     */
    planFeature?: BooleanFeature
  }
}

/**
 * Step 4 of the pipeline: the plan gate. Runs in preValidation and is installed before the
 * user-action check, so a 402 leaves the caller's user action unused for a retry after an upgrade.
 */
export function installPlanGate(app: FastifyInstance, plans: Pick<PlanService, 'requireFeature'>): void {
  app.addHook('preValidation', async (request) => {
    const feature = request.routeOptions.config.planFeature
    if (feature && request.caller) await plans.requireFeature(request.caller.orgId, feature)
  })
}
