import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import { callerOf } from '../../../http/context.ts'
import { UsernameOrgBody } from '../flow-schemas.ts'
import {
  ChallengeView,
  DelegatedLoginBody,
  LoginInitBody,
  LogoutBody,
  MessageView,
  SignChallengeBody,
} from '../schemas.ts'
import type { AuthContext } from '../services/context.ts'
import { delegatedLogin, initLogin, login, logout } from '../services/login.ts'
import { sendLoginCode } from '../services/login-codes.ts'
import { tags, typed } from './shared.ts'

const TokenView = Type.Object({ token: Type.String() })

export function registerLoginRoutes(fastify: FastifyInstance, ctx: AuthContext): void {
  const app = typed(fastify)
  app.post(
    '/auth/login/init',
    { schema: { tags, body: LoginInitBody, response: { 200: ChallengeView } } },
    async (request) => initLogin(ctx, request.body, request.ip),
  )
  app.post(
    '/auth/login/code',
    { schema: { tags, body: UsernameOrgBody, response: { 200: MessageView } } },
    async (request) => sendLoginCode(ctx, request.body, request.ip),
  )
  app.post(
    '/auth/login',
    { schema: { tags, body: SignChallengeBody, response: { 200: TokenView } } },
    async (request) => login(ctx, request.body),
  )
  app.put(
    '/auth/logout',
    { schema: { tags, body: Type.Optional(LogoutBody), response: { 200: MessageView } } },
    async (request) => logout(ctx, callerOf(request), request.body),
  )
  app.post(
    '/auth/login/delegated',
    { schema: { tags, body: DelegatedLoginBody, response: { 200: TokenView } } },
    async (request) => delegatedLogin(ctx, callerOf(request), request.body),
  )
}
