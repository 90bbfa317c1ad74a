/**
 * Webhook management: create (the secret is shown once), list, get, update, delete, ping, and the
 * event log. Rules: the org's plan caps how many webhooks it has (402 past it); the URL must be
 * http(s) and, in the production profile, must not lead inside (400 naming `url`); another org's
 * webhook or event is a 404.
 */
import { randomBytes } from 'node:crypto'
import type { Clock } from '../../clock.ts'
import type { SecretBox } from '../../custody/secret-box.ts'
import type { Db } from '../../db/database.ts'
import { AppError, notFound } from '../../errors.ts'
import { idPrefixes, newId } from '../../ids.ts'
import { resolveTarget, TargetRefused } from '../../net/safe-post.ts'
import { pageCursor, pageOf } from '../../pagination.ts'
import { envelopeOf, type OutboundSettings, sendSigned } from './delivery.ts'
import type { WebhookEventRecord, WebhookRecord, WebhookRepository } from './repository.ts'
import {
  type CreatedWebhookView,
  type CreateWebhookBody,
  DEFAULT_PAGE_SIZE,
  type ListEventsQuery,
  type ListQuery,
  type PingView,
  type UpdateWebhookBody,
  type WebhookEventView,
  type WebhookView,
} from './schemas.ts'
import { openSecret, sealSecret } from './secrets.ts'

/** Events are kept this long after they were written, then purged. */
export const RETENTION_DAYS = 31

export interface WebhookServiceDeps {
  readonly db: Db
  readonly repository: WebhookRepository
  readonly clock: Clock
  readonly secrets: SecretBox
  readonly outbound: OutboundSettings
  /** How many webhooks the org's plan allows. */
  readonly webhookLimit: (orgId: string) => Promise<number>
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'

/** `whs-` and 32 base62 characters (~190 bits), like Dfns' secrets. */
function newSecret(): string {
  const bytes = randomBytes(32)
  let out = ''
  // 256 = 4·62 + 8: rejecting the top 8 values keeps every character equally likely.
  for (const b of bytes) if (b < 248) out += BASE62[b % 62]
  return out.length >= 32 ? `${idPrefixes.webhookSecret}-${out.slice(0, 32)}` : newSecret()
}

export function toWebhookView(record: WebhookRecord): WebhookView {
  return {
    id: record.id,
    url: record.url,
    events: [...record.events],
    status: record.status,
    ...(record.description !== null ? { description: record.description } : {}),
    dateCreated: record.dateCreated,
    dateUpdated: record.dateUpdated,
  }
}

export function toEventView(record: WebhookEventRecord): WebhookEventView {
  return {
    id: record.id,
    kind: record.kind,
    date: record.date,
    data: record.data,
    status: record.status ?? 'Pending',
    ...(record.error !== null ? { error: record.error } : {}),
    timestampSent: record.timestampSent ?? 0,
    deliveryFailed: record.deliveryFailed,
    deliveryAttempt: record.deliveryAttempt,
    ...(record.retryOf !== null ? { retryOf: record.retryOf } : {}),
    ...(record.nextAttemptDate !== null ? { nextAttemptDate: record.nextAttemptDate } : {}),
  }
}

export type WebhookService = ReturnType<typeof createWebhookService>

export function createWebhookService(deps: WebhookServiceDeps) {
  const { db, repository } = deps

  async function requireWebhook(orgId: string, webhookId: string): Promise<WebhookRecord> {
    const webhook = await repository.find(orgId, webhookId)
    if (!webhook) throw notFound('webhook', webhookId)
    return webhook
  }

  /**
   * An absolute http(s) URL whose host, in the production profile, leads to no internal address.
   * A name that does not resolve now is accepted: delivery checks it again when it sends.
   */
  async function checkUrl(raw: string): Promise<string> {
    let url: URL
    try {
      url = new URL(raw)
    } catch {
      throw invalidUrl('url must be an absolute http or https URL.')
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw invalidUrl(`url must use http or https, not ${url.protocol.slice(0, -1)}.`)
    }
    try {
      await resolveTarget(url, deps.outbound.policy, deps.outbound.resolve)
    } catch (err) {
      if (err instanceof TargetRefused) {
        throw invalidUrl(`url is refused: ${err.message}, which webhooks may not reach.`, err.reason)
      }
    }
    return raw
  }

  function invalidUrl(message: string, reason?: string): AppError {
    return new AppError('validation_failed', message, {
      details: { field: 'url', ...(reason ? { reason } : {}) },
    })
  }

  return {
    async create(orgId: string, body: CreateWebhookBody): Promise<CreatedWebhookView> {
      const url = await checkUrl(body.url)
      const now = deps.clock.now().toISOString()
      const id = newId('webhook', deps.clock.now().getTime())
      const secret = newSecret()
      const record: WebhookRecord = {
        id,
        orgId,
        url,
        description: body.description ?? null,
        events: [...new Set(body.events)],
        status: body.status ?? 'Enabled',
        secretSealed: sealSecret(deps.secrets, { id, orgId }, secret),
        dateCreated: now,
        dateUpdated: now,
      }
      const limit = await deps.webhookLimit(orgId)
      await db.transaction().execute(async (trx) => {
        await repository.lockOrg(orgId, trx)
        const count = await repository.count(orgId, trx)
        if (count >= limit) {
          throw new AppError(
            'payment_required',
            `The organization's plan allows ${limit} webhooks and it has ${count}.`,
            { details: { feature: 'webhooks', limit, count } },
          )
        }
        await repository.insert(record, trx)
      })
      return { ...toWebhookView(record), secret }
    },

    async list(orgId: string, query: ListQuery) {
      const { limit, beforeId } = pageCursor(query, DEFAULT_PAGE_SIZE)
      const rows = await repository.list(orgId, { limit: limit + 1, ...(beforeId ? { beforeId } : {}) })
      const page = pageOf(rows, limit)
      return { ...page, items: page.items.map(toWebhookView) }
    },

    async get(orgId: string, webhookId: string): Promise<WebhookView> {
      return toWebhookView(await requireWebhook(orgId, webhookId))
    },

    async update(orgId: string, webhookId: string, body: UpdateWebhookBody): Promise<WebhookView> {
      await requireWebhook(orgId, webhookId)
      const url = body.url === undefined ? undefined : await checkUrl(body.url)
      await repository.update(orgId, webhookId, {
        ...(url !== undefined ? { url } : {}),
        ...(body.description !== undefined ? { description: body.description } : {}),
        ...(body.events !== undefined ? { events: [...new Set(body.events)] } : {}),
        ...(body.status !== undefined ? { status: body.status } : {}),
        dateUpdated: deps.clock.now().toISOString(),
      })
      return toWebhookView(await requireWebhook(orgId, webhookId))
    },

    /** Pending retries of a deleted webhook are cancelled when they fall due. */
    async remove(orgId: string, webhookId: string): Promise<{ deleted: true }> {
      if (!(await repository.remove(orgId, webhookId))) throw notFound('webhook', webhookId)
      return { deleted: true }
    },

    /**
     * Sends a test event, signed like every other, and reports what the receiver answered. Nothing
     * is stored. Its kind is the first the webhook subscribes to (`wallet.created` for `*`), its
     * data `{ "ping": true, "webhookId": … }`.
     */
    async ping(orgId: string, webhookId: string): Promise<PingView> {
      const webhook = await requireWebhook(orgId, webhookId)
      const now = deps.clock.now()
      const kind = webhook.events.find((e) => e !== '*') ?? 'wallet.created'
      const body = envelopeOf(
        {
          id: newId('webhookEvent', now.getTime()),
          kind,
          date: now.toISOString(),
          data: { ping: true, webhookId },
          deliveryAttempt: 1,
          retryOf: null,
        },
        Math.floor(now.getTime() / 1000),
      )
      const result = await sendSigned(deps.outbound, webhook.url, openSecret(deps.secrets, webhook), body)
      return { status: result.status, ...(result.error !== undefined ? { error: result.error } : {}) }
    },

    async listEvents(orgId: string, webhookId: string, query: ListEventsQuery) {
      await requireWebhook(orgId, webhookId)
      const { limit, beforeId } = pageCursor(query, DEFAULT_PAGE_SIZE)
      const rows = await repository.listEvents(orgId, webhookId, {
        limit: limit + 1,
        ...(beforeId ? { beforeId } : {}),
        ...(query.kind ? { kind: query.kind } : {}),
        ...(query.deliveryFailed ? { deliveryFailed: query.deliveryFailed === 'true' } : {}),
      })
      const page = pageOf(rows, limit)
      return { ...page, items: page.items.map(toEventView) }
    },

    async getEvent(orgId: string, webhookId: string, eventId: string): Promise<WebhookEventView> {
      await requireWebhook(orgId, webhookId)
      const event = await repository.getEvent(orgId, webhookId, eventId)
      if (!event) throw notFound('webhook event', eventId, { webhookId })
      return toEventView(event)
    },

    /** Removes events older than the retention period; returns how many. Idempotent across nodes. */
    async purgeExpiredEvents(): Promise<number> {
      const before = new Date(deps.clock.now().getTime() - RETENTION_DAYS * 86_400_000).toISOString()
      let total = 0
      for (;;) {
        const removed = await repository.purgeEvents(before, 1000)
        total += removed
        if (removed < 1000) return total
      }
    },
  }
}
