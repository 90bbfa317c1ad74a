import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import { callerOf } from '../../../http/context.ts'
import {
  AuditLogsQuery,
  AuditLogView,
  ChallengeView,
  params,
  SignChallengeBody,
  UserActionInitBody,
} from '../schemas.ts'
import type { AuthServices } from '../services/index.ts'
import { tags, typed } from './shared.ts'

export function registerActionRoutes(
  fastify: FastifyInstance,
  { userActions }: Pick<AuthServices, 'userActions'>,
): void {
  const app = typed(fastify)
  app.post(
    '/auth/action/init',
    { schema: { tags, body: UserActionInitBody, response: { 200: ChallengeView } } },
    async (request) => userActions.initUserAction(callerOf(request), request.body),
  )
  app.post(
    '/auth/action',
    {
      schema: {
        tags,
        body: SignChallengeBody,
        response: { 200: Type.Object({ userAction: Type.String() }) },
      },
    },
    async (request) => userActions.signUserAction(callerOf(request), request.body),
  )
  app.get(
    '/auth/action/logs',
    { schema: { tags, querystring: AuditLogsQuery, response: { 200: Type.String() } } },
    // The SDK types this response as a string and parses it with .json(): send a JSON string.
    async (request, reply) => {
      const csv = await userActions.exportAuditLog(callerOf(request), request.query)
      return reply.type('application/json; charset=utf-8').send(JSON.stringify(csv))
    },
  )
  app.get(
    '/auth/action/logs/:logId',
    { schema: { tags, params: params.logId, response: { 200: AuditLogView } } },
    async (request) => userActions.getAuditLog(callerOf(request), request.params.logId),
  )
}
