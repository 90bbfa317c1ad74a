/**
 * The policies module: policy CRUD and its routes, approvals, change requests (the gate other
 * domains submit their changes to) and the governance of wallet requests. See README.md.
 */
import type { FastifyInstance } from 'fastify'
import type { Kysely } from 'kysely'
import type { Clock } from '../../clock.ts'
import type { Database } from '../../db/schema.ts'
import { type ApprovalService, createApprovalService } from './approval-service.ts'
import { createChangeRequestRepository } from './change-request-repository.ts'
import { type ChangeRequestService, createChangeRequestService } from './change-requests.ts'
import { createTriggerAnnouncer, type ErrorLogger, type PolicyEventSink } from './events.ts'
import { createWalletGovernance, type WalletGovernance } from './governance.ts'
import type { PriceSource } from './prices.ts'
import { createPolicyRepository } from './repository.ts'
import { registerPolicyRoutes } from './routes.ts'
import { type AssertFeature, createPolicyService, type PolicyService } from './service.ts'
import { createVelocityLedger } from './velocity-ledger.ts'

/*
 * The service interface other domains use (README.md, "How other domains plug in"); nothing else of
 * this folder is imported from outside it.
 * - `initiatorOf(caller)`: who asked for a governed request or change.
 * - `ChangeRequestService` (the change gate, `changeRequests`) and `ChangeRequest`, the change
 *   request as the API shows it (a 202 carries one).
 * - `PolicyEvent`, `PolicyEventSink`: the `policy.*` events and the sink the webhooks domain gives.
 * - `WalletGovernance`, `ResolvedWalletApproval`: what a domain with governed wallet requests
 *   (signatures, transfers, transactions) calls and is called back with.
 * - `PriceSource`, `AssetAmount`: fiat values, for the amount rules and the wallets domain's views.
 */
export { type Initiator, initiatorOf } from './activity.ts'
export type { ChangeRequestService } from './change-requests.ts'
export type { PolicyEvent, PolicyEventSink } from './events.ts'
export type { ResolvedWalletApproval, WalletGovernance } from './governance.ts'
export type { AssetAmount, PriceSource } from './prices.ts'
export type { ChangeRequest } from './schemas.ts'

export interface PoliciesModuleDeps {
  readonly db: Kysely<Database>
  readonly clock: Clock
  readonly prices: PriceSource
  readonly assertFeature?: AssertFeature
  /** Where `policy.*` events are written, in the transaction of their change (the webhooks module). */
  readonly events?: PolicyEventSink
  readonly logger?: ErrorLogger
}

export interface PoliciesModule {
  /** Policy CRUD. */
  readonly service: PolicyService
  readonly approvals: ApprovalService
  readonly changeRequests: ChangeRequestService
  readonly governance: WalletGovernance
  /** Forget the active policies this node keeps (the emulator's reset and snapshot restore). */
  clearCache(): void
  registerRoutes(app: FastifyInstance): void
}

export function createPoliciesModule(deps: PoliciesModuleDeps): PoliciesModule {
  const repo = createPolicyRepository(deps.db)
  const announceTriggered = createTriggerAnnouncer({
    sink: deps.events,
    policies: repo,
    changeRequests: createChangeRequestRepository(deps.db),
  })
  const approvals = createApprovalService({
    db: deps.db,
    clock: deps.clock,
    ...(deps.events ? { events: deps.events } : {}),
    logger: deps.logger,
  })
  const changeRequests = createChangeRequestService({
    db: deps.db,
    clock: deps.clock,
    policies: repo,
    approvals,
    announceTriggered,
    logger: deps.logger,
  })
  const governance = createWalletGovernance({
    db: deps.db,
    clock: deps.clock,
    policies: repo,
    ledger: createVelocityLedger(deps.db),
    prices: deps.prices,
    approvals,
    announceTriggered,
  })
  const service = createPolicyService({
    clock: deps.clock,
    repo,
    changeRequests,
    ...(deps.assertFeature ? { assertFeature: deps.assertFeature } : {}),
  })
  return {
    service,
    approvals,
    changeRequests,
    governance,
    clearCache: repo.clearCache,
    registerRoutes: (app) => registerPolicyRoutes(app, { policies: service, approvals }),
  }
}
