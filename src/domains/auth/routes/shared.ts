import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance, FastifyReply } from 'fastify'
import type { Created } from '../schemas.ts'

export type AuthRoutesApp = FastifyInstance
export const typed = (app: FastifyInstance) => app.withTypeProvider<TypeBoxTypeProvider>()

export const tags = ['auth']

/**
 * 200 with the new identity, or 202 with it and the change request its `permissionId` waits on
 * (the SDK raises PolicyPendingError carrying this body, one-time access token included).
 */
export function sendCreated<T extends object>(reply: FastifyReply, created: Created<T>) {
  if (!created.pendingChangeRequest) return reply.send(created.view)
  return reply.code(202).send({ ...created.view, pendingChangeRequest: created.pendingChangeRequest })
}
