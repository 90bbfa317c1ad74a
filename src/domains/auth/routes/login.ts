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
import type { AuthServices } from '../services/index.ts'
import { tags, typed } from './shared.ts'

const TokenView = Type.Object({ token: Type.String() })

export function registerLoginRoutes(
  fastify: FastifyInstance,
  { login, loginCodes }: Pick<AuthServices, 'login' | 'loginCodes'>,
): void {
  const app = typed(fastify)
  app.post(
    '/auth/login/init',
    { schema: { tags, body: LoginInitBody, response: { 200: ChallengeView } } },
    async (request) => login.initLogin(request.body, request.ip),
  )
  app.post(
    '/auth/login/code',
    { schema: { tags, body: UsernameOrgBody, response: { 200: MessageView } } },
    async (request) => loginCodes.sendLoginCode(request.body, request.ip),
  )
  app.post(
    '/auth/login',
    { schema: { tags, body: SignChallengeBody, response: { 200: TokenView } } },
    async (request) => login.login(request.body),
  )
  app.put(
    '/auth/logout',
    { schema: { tags, body: Type.Optional(LogoutBody), response: { 200: MessageView } } },
    async (request) => login.logout(callerOf(request), request.body),
  )
  app.post(
    '/auth/login/delegated',
    { schema: { tags, body: DelegatedLoginBody, response: { 200: TokenView } } },
    async (request) => login.delegatedLogin(callerOf(request), request.body),
  )
}
