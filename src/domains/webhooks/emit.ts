/**
 * `emitEvent({orgId, kind, data}, trx)`: the one way an event enters the webhook pipeline. It
 * writes, inside the caller's transaction, one event row per subscribed, enabled webhook and the
 * job that delivers it. A rolled-back change therefore emits nothing, and a committed change has
 * its deliveries stored before anything is sent (delivery happens later, outside the transaction).
 */
import type { Clock } from '../../clock.ts'
import { newId } from '../../ids.ts'
import type { Executor, WebhookEventRecord, WebhookRepository } from './repository.ts'
import type { WebhookEventKind } from './schemas.ts'

/** The job kind the queue runs `deliverAttempt` for; the payload is `{ eventId }`. */
export const DELIVERY_JOB = 'webhook.deliver'

export interface EmittedEvent {
  readonly orgId: string
  readonly kind: WebhookEventKind
  readonly data: Record<string, unknown>
}

/** Writes a job inside the caller's transaction (the shared database job queue). */
export type EnqueueJob = (
  job: { kind: string; payload: Record<string, unknown>; runAt?: Date; dedupeKey?: string },
  trx: Executor,
) => Promise<unknown>

export type EmitEvent = (event: EmittedEvent, trx: Executor) => Promise<void>

export function createEmitter(deps: {
  repository: WebhookRepository
  clock: Clock
  enqueue: EnqueueJob
}): EmitEvent {
  return async (event, trx) => {
    const webhooks = await deps.repository.subscribers(event.orgId, event.kind, trx)
    if (webhooks.length === 0) return
    const now = deps.clock.now()
    for (const webhook of webhooks) {
      const record: WebhookEventRecord = {
        id: newId('webhookEvent', now.getTime()),
        orgId: event.orgId,
        webhookId: webhook.id,
        kind: event.kind,
        date: now.toISOString(),
        data: event.data,
        status: null,
        error: null,
        timestampSent: null,
        deliveryFailed: false,
        deliveryAttempt: 1,
        retryOf: null,
        nextAttemptDate: null,
        dateCreated: now.toISOString(),
      }
      await deps.repository.insertEvent(record, trx)
      await deps.enqueue(
        {
          kind: DELIVERY_JOB,
          payload: { eventId: record.id },
          runAt: now,
          dedupeKey: `${DELIVERY_JOB}:${record.id}`,
        },
        trx,
      )
    }
  }
}
