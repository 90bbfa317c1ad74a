import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import { SocialBody, SsoInitBody, SsoInitView, SsoLoginBody } from '../flow-schemas.ts'
import { RegistrationChallengeView } from '../schemas.ts'
import type { AuthServices } from '../services/index.ts'
import { tags, typed } from './shared.ts'

const TokenView = Type.Object({ token: Type.String() })

export function registerSocialRoutes(
  fastify: FastifyInstance,
  { social }: Pick<AuthServices, 'social'>,
): void {
  const app = typed(fastify)
  app.post(
    '/auth/login/social',
    { schema: { tags, body: SocialBody, response: { 200: TokenView } } },
    async (request) => social.socialLogin(request.body),
  )
  app.post(
    '/auth/registration/social',
    { schema: { tags, body: SocialBody, response: { 200: RegistrationChallengeView } } },
    async (request) => social.createSocialRegistrationChallenge(request.body, request.ip),
  )
  app.post(
    '/auth/login/sso/init',
    { schema: { tags, body: SsoInitBody, response: { 200: SsoInitView } } },
    async (request) => social.ssoLoginInit(request.body, request.ip),
  )
  app.post(
    '/auth/login/sso',
    { schema: { tags, body: SsoLoginBody, response: { 200: TokenView } } },
    async (request) => social.ssoLogin(request.body),
  )
}
