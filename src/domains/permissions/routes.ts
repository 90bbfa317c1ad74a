/**
 * /permissions and /permissions/:id/assignments. Thin: authentication, the user action and the
 * permission guard have run before these handlers (route-table.ts); the rules live in service.ts.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import { sendChange } from '../../http/change-reply.ts'
import { callerOf } from '../../http/context.ts'
import {
  ArchivePermissionBody,
  AssignmentPage,
  AssignmentParams,
  AssignmentView,
  ChangeRequestView,
  CreateAssignmentBody,
  CreatePermissionBody,
  DeleteAssignmentQuery,
  ListQuery,
  PermissionPage,
  PermissionParams,
  PermissionView,
  PermissionWithPendingView,
  UpdatePermissionBody,
} from './schemas.ts'
import type { PermissionsService } from './service.ts'

const tags = ['permissions']

export function registerPermissionRoutes(fastify: FastifyInstance, service: PermissionsService): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  const changed = (view: typeof PermissionView) => ({ 200: view, 202: ChangeRequestView })

  app.post(
    '/permissions',
    { schema: { tags, body: CreatePermissionBody, response: { 200: PermissionView } } },
    async (request) => service.create(callerOf(request), request.body),
  )
  app.get(
    '/permissions',
    { schema: { tags, querystring: ListQuery, response: { 200: PermissionPage } } },
    async (request) => service.list(callerOf(request).orgId, request.query),
  )
  app.get(
    '/permissions/:permissionId',
    { schema: { tags, params: PermissionParams, response: { 200: PermissionWithPendingView } } },
    async (request) => service.get(callerOf(request).orgId, request.params.permissionId),
  )
  app.put(
    '/permissions/:permissionId',
    {
      schema: {
        tags,
        params: PermissionParams,
        body: UpdatePermissionBody,
        response: changed(PermissionView),
      },
    },
    async (request, reply) =>
      sendChange(reply, await service.update(callerOf(request), request.params.permissionId, request.body)),
  )
  app.put(
    '/permissions/:permissionId/archive',
    {
      schema: {
        tags,
        params: PermissionParams,
        body: ArchivePermissionBody,
        response: changed(PermissionView),
      },
    },
    async (request, reply) =>
      sendChange(reply, await service.archive(callerOf(request), request.params.permissionId, request.body)),
  )
  app.post(
    '/permissions/:permissionId/assignments',
    {
      schema: {
        tags,
        params: PermissionParams,
        body: CreateAssignmentBody,
        response: { 200: AssignmentView, 202: ChangeRequestView },
      },
    },
    async (request, reply) =>
      sendChange(reply, await service.assign(callerOf(request), request.params.permissionId, request.body)),
  )
  app.get(
    '/permissions/:permissionId/assignments',
    { schema: { tags, params: PermissionParams, querystring: ListQuery, response: { 200: AssignmentPage } } },
    async (request) =>
      service.listAssignments(callerOf(request).orgId, request.params.permissionId, request.query),
  )
  app.delete(
    '/permissions/:permissionId/assignments/:assignmentId',
    { schema: { tags, params: AssignmentParams, querystring: DeleteAssignmentQuery } },
    async (request, reply) => {
      const outcome = await service.revoke(
        callerOf(request),
        request.params.permissionId,
        request.params.assignmentId,
        { force: request.query.force === true },
      )
      // The one 204 of the API: the SDK ignores the body.
      if (outcome.kind === 'Pending') return reply.code(202).send(outcome.changeRequest)
      return reply.code(204).send()
    },
  )
}
