import type { FastifyInstance } from 'fastify'
import { callerOf } from '../../../http/context.ts'
import {
  DelegatedRecoveryBody,
  RecoverBody,
  RecoveryChallengeView,
  RecoveryInitBody,
  UsernameOrgBody,
} from '../flow-schemas.ts'
import { MessageView, RegistrationView } from '../schemas.ts'
import type { AuthContext } from '../services/context.ts'
import {
  createDelegatedRecoveryChallenge,
  createRecoveryChallenge,
  recover,
  sendRecoveryCode,
} from '../services/recovery.ts'
import { tags, typed } from './shared.ts'

export function registerRecoveryRoutes(fastify: FastifyInstance, ctx: AuthContext): void {
  const app = typed(fastify)
  app.post(
    '/auth/recover/user/code',
    { schema: { tags, body: UsernameOrgBody, response: { 200: MessageView } } },
    async (request) => sendRecoveryCode(ctx, request.body, request.ip),
  )
  app.post(
    '/auth/recover/user/init',
    { schema: { tags, body: RecoveryInitBody, response: { 200: RecoveryChallengeView } } },
    async (request) => createRecoveryChallenge(ctx, request.body, request.ip),
  )
  app.post(
    '/auth/recover/user/delegated',
    { schema: { tags, body: DelegatedRecoveryBody, response: { 200: RecoveryChallengeView } } },
    async (request) => createDelegatedRecoveryChallenge(ctx, callerOf(request), request.body),
  )
  app.post(
    '/auth/recover/user',
    { schema: { tags, body: RecoverBody, response: { 200: RegistrationView } } },
    async (request) => {
      // The recovery key signed `newCredentials` as the client serialised them: take those bytes.
      const sent = JSON.parse(request.rawBody ?? '{}') as { newCredentials?: unknown }
      return recover(ctx, callerOf(request), request.body, JSON.stringify(sent.newCredentials))
    },
  )
}
