/**
 * Delivery of one attempt. The job queue runs `deliverAttempt(eventId)` for every stored attempt
 * that is due; it may run twice for one attempt (a node that died mid-send, a lease that ran out),
 * so it is idempotent: an attempt whose outcome is recorded is never sent again, and of two nodes
 * that both sent it only one records the outcome and schedules the retry.
 *
 * The wire format: the body is exactly `JSON.stringify(envelope)`, and
 * `X-DFNS-WEBHOOK-SIGNATURE: sha256=<hex HMAC-SHA256 of those bytes, keyed by the secret>`, so a
 * receiver that verifies the raw body and one that re-serializes the parsed body both match.
 */
import { createHmac } from 'node:crypto'
import type { Clock } from '../../clock.ts'
import type { SecretBox } from '../../custody/secret-box.ts'
import type { Db } from '../../db/database.ts'
import { newId } from '../../ids.ts'
import type { AddressPolicy } from '../../net/address-policy.ts'
import { type Resolver, safePost, TargetRefused } from '../../net/safe-post.ts'
import { DELIVERY_JOB, type EnqueueJob } from './emit.ts'
import type { WebhookEventRecord, WebhookRepository } from './repository.ts'
import { openSecret } from './secrets.ts'

/** When attempts 2…5 fall due, counted from when the event was raised (about 24 h in all). */
export const RETRY_OFFSETS_MS = [60_000, 12 * 60_000, 2 * 3_600_000, 24 * 3_600_000] as const
export const MAX_ATTEMPTS = RETRY_OFFSETS_MS.length + 1

export interface OutboundSettings {
  readonly policy: AddressPolicy
  readonly resolve: Resolver
  /** How long a receiver has to answer. */
  readonly timeoutMs: number
  /** How much of an answer is read (kept in the event's `error` when it is not a 200). */
  readonly maxResponseBytes: number
}

export type DeliveryOutcome = 'delivered' | 'failed' | 'cancelled' | 'refused'

/** The envelope, with its fields in the documented order. */
export function envelopeOf(
  event: Pick<WebhookEventRecord, 'id' | 'kind' | 'date' | 'data' | 'deliveryAttempt' | 'retryOf'>,
  timestampSent: number,
): string {
  return JSON.stringify({
    id: event.id,
    kind: event.kind,
    date: event.date,
    data: event.data,
    timestampSent,
    deliveryAttempt: event.deliveryAttempt,
    ...(event.retryOf ? { retryOf: event.retryOf } : {}),
  })
}

export function signatureOf(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`
}

export interface SendResult {
  /** The HTTP status as a string, or `Timeout`, `ConnectionError`, `TargetRefused`. */
  readonly status: string
  readonly error?: string
  readonly delivered: boolean
  readonly refused: boolean
}

/** POSTs one signed body; never throws. Success is an HTTP 200 and nothing else. */
export async function sendSigned(
  outbound: OutboundSettings,
  url: string,
  secret: string,
  body: string,
): Promise<SendResult> {
  try {
    const response = await safePost(url, body, {
      headers: {
        'content-type': 'application/json',
        'user-agent': 'walletd-webhooks',
        'x-dfns-webhook-signature': signatureOf(secret, body),
      },
      timeoutMs: outbound.timeoutMs,
      maxResponseBytes: outbound.maxResponseBytes,
      policy: outbound.policy,
      resolve: outbound.resolve,
    })
    if (response.status === 200) return { status: '200', delivered: true, refused: false }
    return {
      status: String(response.status),
      error: response.body.trim() || `HTTP ${response.status}`,
      delivered: false,
      refused: false,
    }
  } catch (err) {
    if (err instanceof TargetRefused) {
      return { status: 'TargetRefused', error: err.message, delivered: false, refused: true }
    }
    const message = (err as Error).message ?? String(err)
    const timeout = /no answer within/.test(message)
    return {
      status: timeout ? 'Timeout' : 'ConnectionError',
      error: message,
      delivered: false,
      refused: false,
    }
  }
}

export interface DeliveryDeps {
  readonly db: Db
  readonly repository: WebhookRepository
  readonly clock: Clock
  readonly secrets: SecretBox
  readonly enqueue: EnqueueJob
  readonly outbound: OutboundSettings
  readonly onOutcome?: (outcome: DeliveryOutcome) => void
}

export function createDelivery(deps: DeliveryDeps) {
  const { repository } = deps

  /** The next attempt's row, written with its job in the transaction that records this one. */
  function nextAttemptOf(event: WebhookEventRecord, runAt: Date): WebhookEventRecord {
    // Ids order the event log: a retry's id is always later than the attempt it retries.
    const created = Math.max(deps.clock.now().getTime(), Date.parse(event.dateCreated) + 1)
    return {
      ...event,
      id: newId('webhookEvent', created),
      status: null,
      error: null,
      timestampSent: null,
      deliveryFailed: false,
      deliveryAttempt: event.deliveryAttempt + 1,
      retryOf: event.id,
      nextAttemptDate: runAt.toISOString(),
      dateCreated: new Date(created).toISOString(),
    }
  }

  function retryTime(event: WebhookEventRecord): Date | undefined {
    const offset = RETRY_OFFSETS_MS[event.deliveryAttempt - 1]
    if (offset === undefined) return undefined
    const due = Date.parse(event.date) + offset
    // An attempt that ran late (the node was down) is not followed by an immediate burst.
    return new Date(Math.max(due, deps.clock.now().getTime() + 1000))
  }

  async function record(
    event: WebhookEventRecord,
    result: Omit<SendResult, 'refused'>,
    timestampSent: number,
    retry: boolean,
  ): Promise<boolean> {
    const runAt = retry && !result.delivered ? retryTime(event) : undefined
    return deps.db.transaction().execute(async (trx) => {
      const recorded = await repository.recordAttempt(
        event.id,
        {
          status: result.status,
          error: result.error ?? null,
          timestampSent,
          deliveryFailed: !result.delivered,
          nextAttemptDate: runAt ? runAt.toISOString() : null,
        },
        trx,
      )
      if (!recorded || !runAt) return recorded
      const next = nextAttemptOf(event, runAt)
      await repository.insertEvent(next, trx)
      await deps.enqueue(
        {
          kind: DELIVERY_JOB,
          payload: { eventId: next.id },
          runAt,
          dedupeKey: `${DELIVERY_JOB}:${next.id}`,
        },
        trx,
      )
      return true
    })
  }

  return {
    /** Makes the attempt `eventId` if it is still to be made. Safe to run more than once. */
    async deliverAttempt(eventId: string): Promise<DeliveryOutcome | 'skipped'> {
      const event = await repository.findEvent(eventId)
      if (!event || event.status !== null) return 'skipped'
      const nowSeconds = Math.floor(deps.clock.now().getTime() / 1000)
      const webhook = await repository.find(event.orgId, event.webhookId)
      if (webhook?.status !== 'Enabled') {
        // Disabled or deleted: this attempt and the retries after it are cancelled.
        const recorded = await record(
          event,
          {
            status: 'Cancelled',
            error: webhook ? 'the webhook is disabled' : 'the webhook was deleted',
            delivered: false,
          },
          nowSeconds,
          false,
        )
        if (recorded) deps.onOutcome?.('cancelled')
        return 'cancelled'
      }
      const body = envelopeOf(event, nowSeconds)
      const result = await sendSigned(deps.outbound, webhook.url, openSecret(deps.secrets, webhook), body)
      const recorded = await record(event, result, nowSeconds, true)
      const outcome: DeliveryOutcome = result.delivered ? 'delivered' : result.refused ? 'refused' : 'failed'
      if (recorded) deps.onOutcome?.(outcome)
      return outcome
    },
  }
}

export type Delivery = ReturnType<typeof createDelivery>
