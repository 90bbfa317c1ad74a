import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import { callerOf } from '../../../http/context.ts'
import {
  CreateServiceAccountBody,
  DeactivateServiceAccountBody,
  ForceQuery,
  params,
  ServiceAccountPendingView,
  ServiceAccountView,
  UpdateTokenBody,
} from '../schemas.ts'
import type { AuthContext } from '../services/context.ts'
import {
  createServiceAccount,
  getServiceAccount,
  listServiceAccounts,
  setServiceAccountState,
  updateServiceAccount,
} from '../services/service-accounts.ts'
import { sendCreated, tags, typed } from './shared.ts'

// `force` (skip the "is a policy approver" check) is accepted; walletd has no such check to skip yet.
export function registerServiceAccountRoutes(fastify: FastifyInstance, ctx: AuthContext): void {
  const app = typed(fastify)
  const id = params.serviceAccountId
  app.post(
    '/auth/service-accounts',
    {
      schema: {
        tags,
        body: CreateServiceAccountBody,
        response: { 200: ServiceAccountView, 202: ServiceAccountPendingView },
      },
    },
    async (request, reply) =>
      sendCreated(reply, await createServiceAccount(ctx, callerOf(request), request.body)),
  )
  app.get(
    '/auth/service-accounts',
    { schema: { tags, response: { 200: Type.Object({ items: Type.Array(ServiceAccountView) }) } } },
    async (request) => listServiceAccounts(ctx, callerOf(request)),
  )
  app.get(
    '/auth/service-accounts/:serviceAccountId',
    { schema: { tags, params: id, response: { 200: ServiceAccountView } } },
    async (request) => getServiceAccount(ctx, callerOf(request), request.params.serviceAccountId),
  )
  app.put(
    '/auth/service-accounts/:serviceAccountId',
    { schema: { tags, params: id, body: UpdateTokenBody, response: { 200: ServiceAccountView } } },
    async (request) =>
      updateServiceAccount(ctx, callerOf(request), request.params.serviceAccountId, request.body),
  )
  app.put(
    '/auth/service-accounts/:serviceAccountId/activate',
    { schema: { tags, params: id, response: { 200: ServiceAccountView } } },
    async (request) =>
      setServiceAccountState(ctx, callerOf(request), request.params.serviceAccountId, 'activate'),
  )
  app.put(
    '/auth/service-accounts/:serviceAccountId/deactivate',
    {
      schema: {
        tags,
        params: id,
        body: Type.Optional(DeactivateServiceAccountBody),
        response: { 200: ServiceAccountView },
      },
    },
    async (request) =>
      setServiceAccountState(ctx, callerOf(request), request.params.serviceAccountId, 'deactivate'),
  )
  app.delete(
    '/auth/service-accounts/:serviceAccountId',
    { schema: { tags, params: id, querystring: ForceQuery, response: { 200: ServiceAccountView } } },
    async (request) =>
      setServiceAccountState(ctx, callerOf(request), request.params.serviceAccountId, 'archive'),
  )
}
