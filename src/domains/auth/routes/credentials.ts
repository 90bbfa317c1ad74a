import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import { callerOf } from '../../../http/context.ts'
import {
  CreateCredentialBody,
  CredentialChallengeView,
  CredentialInitBody,
  CredentialUuidBody,
  CredentialView,
  MessageView,
} from '../schemas.ts'
import type { AuthServices } from '../services/index.ts'
import { tags, typed } from './shared.ts'

export function registerCredentialRoutes(
  fastify: FastifyInstance,
  { credentials }: Pick<AuthServices, 'credentials'>,
): void {
  const app = typed(fastify)
  app.get(
    '/auth/credentials',
    { schema: { tags, response: { 200: Type.Object({ items: Type.Array(CredentialView) }) } } },
    async (request) => credentials.listCredentials(callerOf(request)),
  )
  app.post(
    '/auth/credentials/init',
    { schema: { tags, body: CredentialInitBody, response: { 200: CredentialChallengeView } } },
    async (request) => credentials.initCredential(callerOf(request), request.body),
  )
  app.post(
    '/auth/credentials',
    { schema: { tags, body: CreateCredentialBody, response: { 200: CredentialView } } },
    async (request) => credentials.createCredential(callerOf(request), request.body),
  )
  for (const change of ['activate', 'deactivate'] as const) {
    app.put(
      `/auth/credentials/${change}`,
      { schema: { tags, body: CredentialUuidBody, response: { 200: MessageView } } },
      async (request) =>
        credentials.setCredentialActive(
          callerOf(request),
          request.body.credentialUuid,
          change === 'activate',
        ),
    )
  }
}
