/**
 * /webhooks. Thin: authentication, the user action and the permission guard have run before these
 * handlers (route-table.ts); the rules live in service.ts.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { callerOf } from '../../http/context.ts'
import {
  CreatedWebhookView,
  CreateWebhookBody,
  DeletedView,
  ListEventsQuery,
  ListQuery,
  PingView,
  UpdateWebhookBody,
  WebhookEventPage,
  WebhookEventParams,
  WebhookEventView,
  WebhookPage,
  WebhookParams,
  WebhookView,
} from './schemas.ts'
import type { WebhookService } from './service.ts'

const tags = ['webhooks']

const orgOf = (request: FastifyRequest): string => callerOf(request).orgId

export function registerWebhookRoutes(fastify: FastifyInstance, service: WebhookService): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  app.post(
    '/webhooks',
    { schema: { tags, body: CreateWebhookBody, response: { 200: CreatedWebhookView } } },
    async (request) => service.create(orgOf(request), request.body),
  )
  app.get(
    '/webhooks',
    { schema: { tags, querystring: ListQuery, response: { 200: WebhookPage } } },
    async (request) => service.list(orgOf(request), request.query),
  )
  app.get(
    '/webhooks/:webhookId',
    { schema: { tags, params: WebhookParams, response: { 200: WebhookView } } },
    async (request) => service.get(orgOf(request), request.params.webhookId),
  )
  app.put(
    '/webhooks/:webhookId',
    { schema: { tags, params: WebhookParams, body: UpdateWebhookBody, response: { 200: WebhookView } } },
    async (request) => service.update(orgOf(request), request.params.webhookId, request.body),
  )
  app.delete(
    '/webhooks/:webhookId',
    { schema: { tags, params: WebhookParams, response: { 200: DeletedView } } },
    async (request) => service.remove(orgOf(request), request.params.webhookId),
  )
  app.post(
    '/webhooks/:webhookId/ping',
    { schema: { tags, params: WebhookParams, response: { 200: PingView } } },
    async (request) => service.ping(orgOf(request), request.params.webhookId),
  )
  app.get(
    '/webhooks/:webhookId/events',
    {
      schema: {
        tags,
        params: WebhookParams,
        querystring: ListEventsQuery,
        response: { 200: WebhookEventPage },
      },
    },
    async (request) => service.listEvents(orgOf(request), request.params.webhookId, request.query),
  )
  app.get(
    '/webhooks/:webhookId/events/:webhookEventId',
    { schema: { tags, params: WebhookEventParams, response: { 200: WebhookEventView } } },
    async (request) =>
      service.getEvent(orgOf(request), request.params.webhookId, request.params.webhookEventId),
  )
}
