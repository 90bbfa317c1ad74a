import type { FastifyInstance } from 'fastify'
import { callerOf } from '../../../http/context.ts'
import {
  CreateCredentialWithCodeBody,
  CredentialCodeBody,
  CredentialCodeInitBody,
  CredentialCodeView,
} from '../flow-schemas.ts'
import { CredentialChallengeView, CredentialView } from '../schemas.ts'
import type { AuthServices } from '../services/index.ts'
import { tags, typed } from './shared.ts'

export function registerCredentialCodeRoutes(
  fastify: FastifyInstance,
  { credentialCodes }: Pick<AuthServices, 'credentialCodes'>,
): void {
  const app = typed(fastify)
  app.post(
    '/auth/credentials/code',
    { schema: { tags, body: CredentialCodeBody, response: { 200: CredentialCodeView } } },
    async (request) => credentialCodes.createCredentialCode(callerOf(request), request.body, request.ip),
  )
  app.post(
    '/auth/credentials/code/init',
    { schema: { tags, body: CredentialCodeInitBody, response: { 200: CredentialChallengeView } } },
    async (request) => credentialCodes.createCredentialChallengeWithCode(request.body, request.ip),
  )
  app.post(
    '/auth/credentials/code/verify',
    { schema: { tags, body: CreateCredentialWithCodeBody, response: { 200: CredentialView } } },
    async (request) => credentialCodes.createCredentialWithCode(request.body),
  )
}
