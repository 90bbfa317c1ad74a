import type { FastifyInstance } from 'fastify'
import { callerOf } from '../../../http/context.ts'
import { pageSchema } from '../../../pagination.ts'
import {
  CreatedUserView,
  CreateUserBody,
  ListUsersQuery,
  params,
  UpdateUserBody,
  UserView,
} from '../schemas.ts'
import type { AuthServices } from '../services/index.ts'
import { tags, typed } from './shared.ts'

export function registerUserRoutes(fastify: FastifyInstance, { users }: Pick<AuthServices, 'users'>): void {
  const app = typed(fastify)
  app.post(
    '/auth/users',
    { schema: { tags, body: CreateUserBody, response: { 200: CreatedUserView } } },
    async (request) => users.createUser(callerOf(request), request.body),
  )
  app.get(
    '/auth/users',
    {
      schema: {
        tags,
        querystring: ListUsersQuery,
        response: {
          200: pageSchema(UserView),
        },
      },
    },
    async (request) => users.listUsers(callerOf(request), request.query),
  )
  app.get(
    '/auth/users/:userId',
    { schema: { tags, params: params.userId, response: { 200: UserView } } },
    async (request) => users.getUser(callerOf(request), request.params.userId),
  )
  app.put(
    '/auth/users/:userId',
    { schema: { tags, params: params.userId, body: UpdateUserBody, response: { 200: UserView } } },
    async (request) => users.updateUser(callerOf(request), request.params.userId, request.body),
  )
  for (const change of ['activate', 'deactivate'] as const) {
    app.put(
      `/auth/users/:userId/${change}`,
      { schema: { tags, params: params.userId, response: { 200: UserView } } },
      async (request) => users.setUserState(callerOf(request), request.params.userId, change),
    )
  }
  app.delete(
    '/auth/users/:userId',
    { schema: { tags, params: params.userId, response: { 200: UserView } } },
    async (request) => users.setUserState(callerOf(request), request.params.userId, 'archive'),
  )
}
