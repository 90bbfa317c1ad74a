/**
 * Webhook and webhook-event rows ⇄ domain records. Every method takes a transaction as its last,
 * optional argument (the database otherwise), so callers decide the transaction (emitEvent writes
 * inside the transaction of the change that caused the event).
 */
import { type Kysely, type RawBuilder, type Selectable, type SqlBool, sql } from 'kysely'
import type { Dialect } from '../../db/database.ts'
import type { Database, WebhookTables } from '../../db/schema.ts'

export type Executor = Kysely<Database>

export interface WebhookRecord {
  readonly id: string
  readonly orgId: string
  readonly url: string
  readonly description: string | null
  readonly events: readonly string[]
  readonly status: 'Enabled' | 'Disabled'
  readonly secretSealed: string
  readonly dateCreated: string
  readonly dateUpdated: string
}

export interface WebhookEventRecord {
  readonly id: string
  readonly orgId: string
  readonly webhookId: string
  readonly kind: string
  readonly date: string
  readonly data: Record<string, unknown>
  /** Null until the attempt has been made. */
  readonly status: string | null
  readonly error: string | null
  readonly timestampSent: number | null
  readonly deliveryFailed: boolean
  readonly deliveryAttempt: number
  readonly retryOf: string | null
  readonly nextAttemptDate: string | null
  readonly dateCreated: string
}

type WebhookRow = Selectable<WebhookTables['webhooks']>
type EventRow = Selectable<WebhookTables['webhook_events']>

const toWebhook = (row: WebhookRow): WebhookRecord => ({
  id: row.id,
  orgId: row.org_id,
  url: row.url,
  description: row.description,
  events: JSON.parse(row.events) as string[],
  status: row.status as WebhookRecord['status'],
  secretSealed: row.secret_sealed,
  dateCreated: row.date_created,
  dateUpdated: row.date_updated,
})

const toEvent = (row: EventRow): WebhookEventRecord => ({
  id: row.id,
  orgId: row.org_id,
  webhookId: row.webhook_id,
  kind: row.kind,
  date: row.date,
  data: JSON.parse(row.data) as Record<string, unknown>,
  status: row.status,
  error: row.error,
  timestampSent: row.timestamp_sent === null ? null : Number(row.timestamp_sent),
  deliveryFailed: row.delivery_failed === 1,
  deliveryAttempt: row.delivery_attempt,
  retryOf: row.retry_of,
  nextAttemptDate: row.next_attempt_date,
  dateCreated: row.date_created,
})

export interface AttemptOutcome {
  readonly status: string
  readonly error: string | null
  readonly timestampSent: number
  readonly deliveryFailed: boolean
  readonly nextAttemptDate: string | null
}

export type WebhookRepository = ReturnType<typeof createWebhookRepository>

/**
 * A condition for a statement on another table: the org has no enabled webhook. A change guarded by
 * it owes no event, and since the statement checks it as it writes, a webhook enabled before the
 * change commits makes the guarded change do nothing (its caller then writes change and event in a
 * transaction), as the emitter's own lookup inside that transaction would have seen it.
 */
export function noEnabledWebhook(orgId: string): RawBuilder<SqlBool> {
  return sql<SqlBool>`not exists (select 1 from webhooks where webhooks.org_id = ${orgId} and webhooks.status = ${'Enabled'})`
}

/** `noEnabledWebhook` as a Kysely `where` callback. */
export function noEnabledWebhookIn(orgId: string): () => RawBuilder<SqlBool> {
  return () => noEnabledWebhook(orgId)
}

export function createWebhookRepository(db: Executor, dialect: Dialect) {
  return {
    /**
     * Serializes webhook creation within one org, so two concurrent creates cannot both pass the
     * plan's limit. SQLite runs one write transaction at a time already.
     */
    async lockOrg(orgId: string, trx: Executor = db): Promise<void> {
      if (dialect !== 'postgres') return
      await trx.selectFrom('orgs').select('id').where('id', '=', orgId).forUpdate().execute()
    },

    async count(orgId: string, trx: Executor = db): Promise<number> {
      const row = await trx
        .selectFrom('webhooks')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('org_id', '=', orgId)
        .executeTakeFirstOrThrow()
      return Number(row.n)
    },

    async insert(webhook: WebhookRecord, trx: Executor = db): Promise<void> {
      await trx
        .insertInto('webhooks')
        .values({
          id: webhook.id,
          org_id: webhook.orgId,
          url: webhook.url,
          description: webhook.description,
          events: JSON.stringify(webhook.events),
          status: webhook.status,
          secret_sealed: webhook.secretSealed,
          date_created: webhook.dateCreated,
          date_updated: webhook.dateUpdated,
        })
        .execute()
    },

    async find(orgId: string, id: string, trx: Executor = db): Promise<WebhookRecord | undefined> {
      const row = await trx
        .selectFrom('webhooks')
        .selectAll()
        .where('org_id', '=', orgId)
        .where('id', '=', id)
        .executeTakeFirst()
      return row && toWebhook(row)
    },

    /** Newest first. */
    async list(orgId: string, opts: { limit: number; beforeId?: string }, trx: Executor = db) {
      let query = trx.selectFrom('webhooks').selectAll().where('org_id', '=', orgId)
      if (opts.beforeId !== undefined) query = query.where('id', '<', opts.beforeId)
      const rows = await query.orderBy('id', 'desc').limit(opts.limit).execute()
      return rows.map(toWebhook)
    },

    /** The enabled webhooks of an org subscribed to `kind` (or to `*`). */
    async subscribers(orgId: string, kind: string, trx: Executor = db): Promise<WebhookRecord[]> {
      const rows = await trx
        .selectFrom('webhooks')
        .selectAll()
        .where('org_id', '=', orgId)
        .where('status', '=', 'Enabled')
        .execute()
      // A handful of webhooks per org (the plan caps them): filtering the JSON here is cheaper and
      // portable, where a JSON query would differ between SQLite and PostgreSQL.
      return rows.map(toWebhook).filter((w) => w.events.includes('*') || w.events.includes(kind))
    },

    async update(
      orgId: string,
      id: string,
      change: Partial<Pick<WebhookRecord, 'url' | 'description' | 'events' | 'status'>> & {
        dateUpdated: string
      },
      trx: Executor = db,
    ): Promise<void> {
      await trx
        .updateTable('webhooks')
        .set({
          ...(change.url !== undefined ? { url: change.url } : {}),
          ...(change.description !== undefined ? { description: change.description } : {}),
          ...(change.events !== undefined ? { events: JSON.stringify(change.events) } : {}),
          ...(change.status !== undefined ? { status: change.status } : {}),
          date_updated: change.dateUpdated,
        })
        .where('org_id', '=', orgId)
        .where('id', '=', id)
        .execute()
    },

    async remove(orgId: string, id: string, trx: Executor = db): Promise<boolean> {
      const result = await trx
        .deleteFrom('webhooks')
        .where('org_id', '=', orgId)
        .where('id', '=', id)
        .executeTakeFirst()
      return Number(result.numDeletedRows) === 1
    },

    async insertEvent(event: WebhookEventRecord, trx: Executor = db): Promise<void> {
      await trx
        .insertInto('webhook_events')
        .values({
          id: event.id,
          org_id: event.orgId,
          webhook_id: event.webhookId,
          kind: event.kind,
          date: event.date,
          data: JSON.stringify(event.data),
          status: event.status,
          error: event.error,
          timestamp_sent: event.timestampSent,
          delivery_failed: event.deliveryFailed ? 1 : 0,
          delivery_attempt: event.deliveryAttempt,
          retry_of: event.retryOf,
          next_attempt_date: event.nextAttemptDate,
          date_created: event.dateCreated,
        })
        .execute()
    },

    async findEvent(id: string, trx: Executor = db): Promise<WebhookEventRecord | undefined> {
      const row = await trx.selectFrom('webhook_events').selectAll().where('id', '=', id).executeTakeFirst()
      return row && toEvent(row)
    },

    /**
     * Records the outcome of an attempt, only if none was recorded yet: of two nodes that both
     * sent one attempt (a lease that ran out mid-send), one records it and schedules the retry.
     */
    async recordAttempt(id: string, outcome: AttemptOutcome, trx: Executor = db): Promise<boolean> {
      const result = await trx
        .updateTable('webhook_events')
        .set({
          status: outcome.status,
          error: outcome.error,
          timestamp_sent: outcome.timestampSent,
          delivery_failed: outcome.deliveryFailed ? 1 : 0,
          next_attempt_date: outcome.nextAttemptDate,
        })
        .where('id', '=', id)
        .where('status', 'is', null)
        .executeTakeFirst()
      return Number(result.numUpdatedRows) === 1
    },

    /** Newest first; `deliveryFailed` filters on the recorded outcome (pending attempts are neither). */
    async listEvents(
      orgId: string,
      webhookId: string,
      opts: { limit: number; beforeId?: string; kind?: string; deliveryFailed?: boolean },
      trx: Executor = db,
    ): Promise<WebhookEventRecord[]> {
      let query = trx
        .selectFrom('webhook_events')
        .selectAll()
        .where('webhook_id', '=', webhookId)
        .where('org_id', '=', orgId)
      if (opts.beforeId !== undefined) query = query.where('id', '<', opts.beforeId)
      if (opts.kind !== undefined) query = query.where('kind', '=', opts.kind)
      if (opts.deliveryFailed !== undefined) {
        query = query.where('delivery_failed', '=', opts.deliveryFailed ? 1 : 0)
        if (!opts.deliveryFailed) query = query.where('status', 'is not', null)
      }
      const rows = await query.orderBy('id', 'desc').limit(opts.limit).execute()
      return rows.map(toEvent)
    },

    async getEvent(
      orgId: string,
      webhookId: string,
      id: string,
      trx: Executor = db,
    ): Promise<WebhookEventRecord | undefined> {
      const row = await trx
        .selectFrom('webhook_events')
        .selectAll()
        .where('org_id', '=', orgId)
        .where('webhook_id', '=', webhookId)
        .where('id', '=', id)
        .executeTakeFirst()
      return row && toEvent(row)
    },

    /** Attempts not yet made: the queue depth and the age of the oldest, for the metrics. */
    async undelivered(trx: Executor = db): Promise<{ count: number; oldest: string | null }> {
      const row = await trx
        .selectFrom('webhook_events')
        .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.min('date_created').as('oldest')])
        .where('status', 'is', null)
        .executeTakeFirstOrThrow()
      return { count: Number(row.n), oldest: (row.oldest as string | null) ?? null }
    },

    /** Retention: removes attempts written before `before`, in batches; returns how many went. */
    async purgeEvents(before: string, batch: number, trx: Executor = db): Promise<number> {
      const ids = trx
        .selectFrom('webhook_events')
        .select('id')
        .where('date_created', '<', before)
        .limit(batch)
      const result = await trx.deleteFrom('webhook_events').where('id', 'in', ids).executeTakeFirst()
      return Number(result.numDeletedRows)
    },
  }
}
