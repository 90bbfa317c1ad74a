import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { AppError } from '../../../errors.ts'
import type { Caller } from '../../../http/context.ts'

export type AuthRoutesApp = FastifyInstance
export const typed = (app: FastifyInstance) => app.withTypeProvider<TypeBoxTypeProvider>()

/** The authenticated caller; the route table guarantees one on every route that calls this. */
export function callerOf(request: FastifyRequest): Caller {
  if (!request.caller) {
    throw new AppError('internal', undefined, {
      cause: new Error(
        `route ${request.routeOptions.url} reads the caller but its rule does not authenticate`,
      ),
    })
  }
  return request.caller
}

export const tags = ['auth']
