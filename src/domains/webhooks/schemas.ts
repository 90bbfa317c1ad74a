/**
 * Webhook and webhook event schemas, shaped like `@dfns/sdk` 0.8.21 (generated/webhooks/types.d.ts),
 * plus the event-log fields the Dfns documentation adds (`deliveryFailed`, `deliveryAttempt`,
 * `retryOf`, `nextAttemptDate`). Used for validation, response serialization and OpenAPI.
 */
import { type Static, Type } from 'typebox'

/**
 * Every event kind of the SDK, in its order. A name outside this list (such as the stale
 * `wallet.transfer.initiated` of older docs) is a 400 naming the field. test/unit/webhooks checks
 * this list against the SDK's type file, so an SDK upgrade that adds a kind fails a test.
 */
export const webhookEventKinds = [
  'policy.triggered',
  'policy.approval.pending',
  'policy.approval.resolved',
  'key.created',
  'key.deleted',
  'key.delegated',
  'key.exported',
  'wallet.blockchainevent.detected',
  'wallet.created',
  'wallet.activated',
  'wallet.delegated',
  'wallet.exported',
  'wallet.signature.failed',
  'wallet.signature.rejected',
  'wallet.signature.requested',
  'wallet.signature.signed',
  'wallet.transaction.broadcasted',
  'wallet.transaction.confirmed',
  'wallet.transaction.failed',
  'wallet.transaction.rejected',
  'wallet.transaction.requested',
  'wallet.transfer.broadcasted',
  'wallet.transfer.confirmed',
  'wallet.transfer.failed',
  'wallet.transfer.rejected',
  'wallet.transfer.requested',
  'wallet.offer.received',
  'wallet.offer.accepted',
  'wallet.offer.rejected',
  'wallet.offer.withdrawn',
  'wallet.tags.modified',
  'payout.action.required',
] as const

export type WebhookEventKind = (typeof webhookEventKinds)[number]

export const limits = {
  url: 2048,
  description: 1024,
  id: 128,
  pageSize: 100,
  paginationToken: 512,
} as const

export const DEFAULT_PAGE_SIZE = 50

// Plain string enums: a refusal then names the field and its allowed values in one error.
const EventKind = Type.Unsafe<WebhookEventKind>({
  type: 'string',
  enum: [...webhookEventKinds],
  description: 'A webhook event kind.',
})
const Subscription = Type.Unsafe<WebhookEventKind | '*'>({
  type: 'string',
  enum: [...webhookEventKinds, '*'],
  description: 'An event kind, or `*` for every kind.',
})
const Events = Type.Array(Subscription, { minItems: 1, maxItems: webhookEventKinds.length + 1 })
const Status = Type.Union([Type.Literal('Enabled'), Type.Literal('Disabled')])
// Scheme and host are checked by the service (it parses the URL once and names the field).
const Url = Type.String({ minLength: 1, maxLength: limits.url })
const Description = Type.String({ maxLength: limits.description })

export const CreateWebhookBody = Type.Object(
  {
    url: Url,
    events: Events,
    status: Type.Optional(Status),
    description: Type.Optional(Description),
  },
  { additionalProperties: false },
)
export type CreateWebhookBody = Static<typeof CreateWebhookBody>

export const UpdateWebhookBody = Type.Object(
  {
    url: Type.Optional(Url),
    events: Type.Optional(Events),
    status: Type.Optional(Status),
    description: Type.Optional(Description),
  },
  { additionalProperties: false },
)
export type UpdateWebhookBody = Static<typeof UpdateWebhookBody>

export const WebhookView = Type.Object({
  id: Type.String(),
  url: Type.String(),
  events: Type.Array(Type.String()),
  status: Status,
  description: Type.Optional(Type.String()),
  dateCreated: Type.String(),
  dateUpdated: Type.String(),
})
export type WebhookView = Static<typeof WebhookView>

export const CreatedWebhookView = Type.Object({ ...WebhookView.properties, secret: Type.String() })
export type CreatedWebhookView = Static<typeof CreatedWebhookView>

export const WebhookPage = Type.Object({
  items: Type.Array(WebhookView),
  nextPageToken: Type.Optional(Type.String()),
})

export const WebhookEventView = Type.Object({
  id: Type.String(),
  kind: Type.String(),
  date: Type.String(),
  data: Type.Record(Type.String(), Type.Unknown()),
  /** The HTTP status the receiver answered, another error code, or `Pending` before the attempt. */
  status: Type.String(),
  error: Type.Optional(Type.String()),
  /** Unix seconds of the attempt; 0 before it is made. */
  timestampSent: Type.Integer(),
  deliveryFailed: Type.Boolean(),
  deliveryAttempt: Type.Integer(),
  retryOf: Type.Optional(Type.String()),
  nextAttemptDate: Type.Optional(Type.String()),
})
export type WebhookEventView = Static<typeof WebhookEventView>

export const WebhookEventPage = Type.Object({
  items: Type.Array(WebhookEventView),
  nextPageToken: Type.Optional(Type.String()),
})

export const WebhookParams = Type.Object({ webhookId: Type.String({ minLength: 1, maxLength: limits.id }) })
export const WebhookEventParams = Type.Object({
  webhookId: Type.String({ minLength: 1, maxLength: limits.id }),
  webhookEventId: Type.String({ minLength: 1, maxLength: limits.id }),
})

export const ListQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: limits.pageSize })),
  paginationToken: Type.Optional(Type.String({ minLength: 1, maxLength: limits.paginationToken })),
})
export type ListQuery = Static<typeof ListQuery>

export const ListEventsQuery = Type.Object({
  ...ListQuery.properties,
  kind: Type.Optional(EventKind),
  deliveryFailed: Type.Optional(Type.Union([Type.Literal('true'), Type.Literal('false')])),
})
export type ListEventsQuery = Static<typeof ListEventsQuery>

export const DeletedView = Type.Object({ deleted: Type.Literal(true) })

export const PingView = Type.Object({ status: Type.String(), error: Type.Optional(Type.String()) })
export type PingView = Static<typeof PingView>
