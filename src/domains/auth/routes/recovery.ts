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
import type { AuthServices } from '../services/index.ts'
import { tags, typed } from './shared.ts'

export function registerRecoveryRoutes(
  fastify: FastifyInstance,
  { recovery }: Pick<AuthServices, 'recovery'>,
): void {
  const app = typed(fastify)
  app.post(
    '/auth/recover/user/code',
    { schema: { tags, body: UsernameOrgBody, response: { 200: MessageView } } },
    async (request) => recovery.sendRecoveryCode(request.body, request.ip),
  )
  app.post(
    '/auth/recover/user/init',
    { schema: { tags, body: RecoveryInitBody, response: { 200: RecoveryChallengeView } } },
    async (request) => recovery.createRecoveryChallenge(request.body, request.ip),
  )
  app.post(
    '/auth/recover/user/delegated',
    { schema: { tags, body: DelegatedRecoveryBody, response: { 200: RecoveryChallengeView } } },
    async (request) => recovery.createDelegatedRecoveryChallenge(callerOf(request), request.body),
  )
  app.post(
    '/auth/recover/user',
    { schema: { tags, body: RecoverBody, response: { 200: RegistrationView } } },
    async (request) => {
      // The recovery key signed `newCredentials` as the client serialised them: take those bytes.
      const sent = JSON.parse(request.rawBody ?? '{}') as { newCredentials?: unknown }
      return recovery.recover(callerOf(request), request.body, JSON.stringify(sent.newCredentials))
    },
  )
}
