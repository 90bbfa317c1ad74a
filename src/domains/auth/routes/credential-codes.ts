import type { FastifyInstance } from 'fastify'
import { callerOf } from '../../../http/context.ts'
import {
  CreateCredentialWithCodeBody,
  CredentialCodeBody,
  CredentialCodeInitBody,
  CredentialCodeView,
} from '../flow-schemas.ts'
import { CredentialChallengeView, CredentialView } from '../schemas.ts'
import type { AuthContext } from '../services/context.ts'
import {
  createCredentialChallengeWithCode,
  createCredentialCode,
  createCredentialWithCode,
} from '../services/credential-codes.ts'
import { tags, typed } from './shared.ts'

export function registerCredentialCodeRoutes(fastify: FastifyInstance, ctx: AuthContext): void {
  const app = typed(fastify)
  app.post(
    '/auth/credentials/code',
    { schema: { tags, body: CredentialCodeBody, response: { 200: CredentialCodeView } } },
    async (request) => createCredentialCode(ctx, callerOf(request), request.body, request.ip),
  )
  app.post(
    '/auth/credentials/code/init',
    { schema: { tags, body: CredentialCodeInitBody, response: { 200: CredentialChallengeView } } },
    async (request) => createCredentialChallengeWithCode(ctx, request.body, request.ip),
  )
  app.post(
    '/auth/credentials/code/verify',
    { schema: { tags, body: CreateCredentialWithCodeBody, response: { 200: CredentialView } } },
    async (request) => createCredentialWithCode(ctx, request.body),
  )
}
