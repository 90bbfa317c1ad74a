import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
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
import type { AuthContext } from '../services/context.ts'
import { createUser, getUser, listUsers, setUserState, updateUser } from '../services/users.ts'
import { tags, typed } from './shared.ts'

export function registerUserRoutes(fastify: FastifyInstance, ctx: AuthContext): void {
  const app = typed(fastify)
  app.post(
    '/auth/users',
    { schema: { tags, body: CreateUserBody, response: { 200: CreatedUserView } } },
    async (request) => createUser(ctx, callerOf(request), request.body),
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
    async (request) => listUsers(ctx, callerOf(request), request.query),
  )
  app.get(
    '/auth/users/:userId',
    { schema: { tags, params: params.userId, response: { 200: UserView } } },
    async (request) => getUser(ctx, callerOf(request), request.params.userId),
  )
  app.put(
    '/auth/users/:userId',
    { schema: { tags, params: params.userId, body: UpdateUserBody, response: { 200: UserView } } },
    async (request) => updateUser(ctx, callerOf(request), request.params.userId, request.body),
  )
  for (const change of ['activate', 'deactivate'] as const) {
    app.put(
      `/auth/users/:userId/${change}`,
      { schema: { tags, params: params.userId, response: { 200: UserView } } },
      async (request) => setUserState(ctx, callerOf(request), request.params.userId, change),
    )
  }
  app.delete(
    '/auth/users/:userId',
    { schema: { tags, params: params.userId, response: { 200: UserView } } },
    async (request) => setUserState(ctx, callerOf(request), request.params.userId, 'archive'),
  )
}
