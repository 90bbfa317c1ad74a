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
import type { AuthServices } from '../services/index.ts'
import { sendCreated, tags, typed } from './shared.ts'

// `force` (skip the "is a policy approver" check) is accepted; walletd has no such check to skip yet.
export function registerServiceAccountRoutes(
  fastify: FastifyInstance,
  { serviceAccounts }: Pick<AuthServices, 'serviceAccounts'>,
): void {
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
      sendCreated(reply, await serviceAccounts.createServiceAccount(callerOf(request), request.body)),
  )
  app.get(
    '/auth/service-accounts',
    { schema: { tags, response: { 200: Type.Object({ items: Type.Array(ServiceAccountView) }) } } },
    async (request) => serviceAccounts.listServiceAccounts(callerOf(request)),
  )
  app.get(
    '/auth/service-accounts/:serviceAccountId',
    { schema: { tags, params: id, response: { 200: ServiceAccountView } } },
    async (request) => serviceAccounts.getServiceAccount(callerOf(request), request.params.serviceAccountId),
  )
  app.put(
    '/auth/service-accounts/:serviceAccountId',
    { schema: { tags, params: id, body: UpdateTokenBody, response: { 200: ServiceAccountView } } },
    async (request) =>
      serviceAccounts.updateServiceAccount(callerOf(request), request.params.serviceAccountId, request.body),
  )
  app.put(
    '/auth/service-accounts/:serviceAccountId/activate',
    { schema: { tags, params: id, response: { 200: ServiceAccountView } } },
    async (request) =>
      serviceAccounts.setServiceAccountState(callerOf(request), request.params.serviceAccountId, 'activate'),
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
      serviceAccounts.setServiceAccountState(
        callerOf(request),
        request.params.serviceAccountId,
        'deactivate',
      ),
  )
  app.delete(
    '/auth/service-accounts/:serviceAccountId',
    { schema: { tags, params: id, querystring: ForceQuery, response: { 200: ServiceAccountView } } },
    async (request) =>
      serviceAccounts.setServiceAccountState(callerOf(request), request.params.serviceAccountId, 'archive'),
  )
}
