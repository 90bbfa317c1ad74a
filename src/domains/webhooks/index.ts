/**
 * The webhooks module: routes, `emitEvent` for the domains that cause events, delivery through the
 * shared job queue, retention, and metrics. See README.md in this folder for the invariants.
 */
import type { FastifyInstance } from 'fastify'
import { Counter, Gauge, type Registry } from 'prom-client'
import type { Clock } from '../../clock.ts'
import type { SecretBox } from '../../custody/secret-box.ts'
import type { DatabaseHandle } from '../../db/database.ts'
import type { PolicyEventSink } from '../policies/index.ts'
import type { TransferRepository } from '../wallets/index.ts'
import { createDelivery, type OutboundSettings } from './delivery.ts'
import { createEmitter, type EmitEvent, type EnqueueJob } from './emit.ts'
import { policyEventWriter } from './policy-events.ts'
import { createWebhookRepository } from './repository.ts'
import { registerWebhookRoutes } from './routes.ts'
import { createWebhookService } from './service.ts'
import { type EventSourceRepositories, emittingRepositories } from './sources.ts'
import { emittingTransfers } from './transfer-sources.ts'

// The service interface other domains use besides the module: the emitter they are handed
// (`EmitEvent`, written in their transaction), the queue's `EnqueueJob` and the delivery job's kind.
export { DELIVERY_JOB, type EmitEvent, type EnqueueJob } from './emit.ts'

export interface WebhooksDeps {
  readonly database: DatabaseHandle
  readonly clock: Clock
  readonly secrets: SecretBox
  /** How many webhooks an org's plan allows. */
  readonly webhookLimit: (orgId: string) => Promise<number>
  /** The shared job queue's `enqueueJob`, called inside the caller's transaction. */
  readonly enqueue: EnqueueJob
  readonly outbound: OutboundSettings
  /** Where the delivery metrics are registered (the `/metrics` registry). */
  readonly metrics?: Registry
}

export function createWebhooksModule(deps: WebhooksDeps) {
  const { db, dialect } = deps.database
  const repository = createWebhookRepository(db, dialect)
  const emitEvent: EmitEvent = createEmitter({ repository, clock: deps.clock, enqueue: deps.enqueue })

  const deliveries = deps.metrics
    ? new Counter({
        name: 'walletd_webhook_deliveries_total',
        help: 'Webhook delivery attempts by outcome (delivered, failed, cancelled, refused).',
        labelNames: ['outcome'],
        registers: [deps.metrics],
      })
    : undefined
  if (deps.metrics) {
    // Read from the database when scraped: the queue is shared by every node.
    const undelivered = () => repository.undelivered()
    new Gauge({
      name: 'walletd_webhook_queue_depth',
      help: 'Webhook delivery attempts stored and not yet made (due or scheduled).',
      registers: [deps.metrics],
      async collect() {
        this.set((await undelivered()).count)
      },
    })
    new Gauge({
      name: 'walletd_webhook_oldest_undelivered_seconds',
      help: 'Age of the oldest webhook delivery attempt not yet made (0 when none).',
      registers: [deps.metrics],
      async collect() {
        const { oldest } = await undelivered()
        this.set(oldest ? Math.max(0, (deps.clock.now().getTime() - Date.parse(oldest)) / 1000) : 0)
      },
    })
  }

  const delivery = createDelivery({
    db,
    repository,
    clock: deps.clock,
    secrets: deps.secrets,
    enqueue: deps.enqueue,
    outbound: deps.outbound,
    onOutcome: (outcome) => deliveries?.inc({ outcome }),
  })
  const service = createWebhookService({
    db,
    repository,
    clock: deps.clock,
    secrets: deps.secrets,
    outbound: deps.outbound,
    webhookLimit: deps.webhookLimit,
  })

  return {
    service,
    emitEvent,
    /** The job handler for `DELIVERY_JOB`: payload `{ eventId }`. */
    deliverAttempt: delivery.deliverAttempt,
    registerRoutes(app: FastifyInstance) {
      registerWebhookRoutes(app, service)
    },
    /** Wraps the wallets domain's repositories so their changes emit events in their transaction. */
    emittingRepositories(base: EventSourceRepositories): EventSourceRepositories {
      return emittingRepositories(db, base, emitEvent)
    },
    /** Wraps the transfers repository so stored requests and their statuses emit events. */
    emittingTransfers(base: TransferRepository): TransferRepository {
      return emittingTransfers(db, base, emitEvent)
    },
    /** Writes the policy domain's events in the transaction of their change. */
    policyEvents: policyEventWriter({ emit: emitEvent, now: () => deps.clock.now() }) as PolicyEventSink,
  }
}

export type WebhooksModule = ReturnType<typeof createWebhooksModule>
