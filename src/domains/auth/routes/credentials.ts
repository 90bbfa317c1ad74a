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
import type { AuthContext } from '../services/context.ts'
import {
  createCredential,
  initCredential,
  listCredentials,
  setCredentialActive,
} from '../services/credentials.ts'
import { tags, typed } from './shared.ts'

export function registerCredentialRoutes(fastify: FastifyInstance, ctx: AuthContext): void {
  const app = typed(fastify)
  app.get(
    '/auth/credentials',
    { schema: { tags, response: { 200: Type.Object({ items: Type.Array(CredentialView) }) } } },
    async (request) => listCredentials(ctx, callerOf(request)),
  )
  app.post(
    '/auth/credentials/init',
    { schema: { tags, body: CredentialInitBody, response: { 200: CredentialChallengeView } } },
    async (request) => initCredential(ctx, callerOf(request), request.body),
  )
  app.post(
    '/auth/credentials',
    { schema: { tags, body: CreateCredentialBody, response: { 200: CredentialView } } },
    async (request) => createCredential(ctx, callerOf(request), request.body),
  )
  for (const change of ['activate', 'deactivate'] as const) {
    app.put(
      `/auth/credentials/${change}`,
      { schema: { tags, body: CredentialUuidBody, response: { 200: MessageView } } },
      async (request) =>
        setCredentialActive(ctx, callerOf(request), request.body.credentialUuid, change === 'activate'),
    )
  }
}
