import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import { SocialBody, SsoInitBody, SsoInitView, SsoLoginBody } from '../flow-schemas.ts'
import { RegistrationChallengeView } from '../schemas.ts'
import type { AuthContext } from '../services/context.ts'
import { createSocialRegistrationChallenge, socialLogin, ssoLogin, ssoLoginInit } from '../services/social.ts'
import { tags, typed } from './shared.ts'

const TokenView = Type.Object({ token: Type.String() })

export function registerSocialRoutes(fastify: FastifyInstance, ctx: AuthContext): void {
  const app = typed(fastify)
  app.post(
    '/auth/login/social',
    { schema: { tags, body: SocialBody, response: { 200: TokenView } } },
    async (request) => socialLogin(ctx, request.body),
  )
  app.post(
    '/auth/registration/social',
    { schema: { tags, body: SocialBody, response: { 200: RegistrationChallengeView } } },
    async (request) => createSocialRegistrationChallenge(ctx, request.body, request.ip),
  )
  app.post(
    '/auth/login/sso/init',
    { schema: { tags, body: SsoInitBody, response: { 200: SsoInitView } } },
    async (request) => ssoLoginInit(ctx, request.body, request.ip),
  )
  app.post(
    '/auth/login/sso',
    { schema: { tags, body: SsoLoginBody, response: { 200: TokenView } } },
    async (request) => ssoLogin(ctx, request.body),
  )
}
