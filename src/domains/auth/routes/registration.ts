import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import { callerOf } from '../../../http/context.ts'
import { WalletView } from '../../wallets/index.ts'
import { UsernameOrgBody } from '../flow-schemas.ts'
import {
  DelegatedRegistrationBody,
  MessageView,
  RegisterBody,
  RegisterEndUserBody,
  RegistrationChallengeView,
  RegistrationInitBody,
  RegistrationView,
} from '../schemas.ts'
import type { AuthServices } from '../services/index.ts'
import { registrationView } from '../services/registration.ts'
import { tags, typed } from './shared.ts'

export function registerRegistrationRoutes(
  fastify: FastifyInstance,
  { loginCodes, registration }: Pick<AuthServices, 'loginCodes' | 'registration'>,
): void {
  const app = typed(fastify)
  app.post(
    '/auth/registration/init',
    { schema: { tags, body: RegistrationInitBody, response: { 200: RegistrationChallengeView } } },
    async (request) => registration.initRegistration(request.body, request.ip),
  )
  app.post(
    '/auth/registration',
    { schema: { tags, body: RegisterBody, response: { 200: RegistrationView } } },
    async (request) =>
      registrationView(await registration.completeRegistration(callerOf(request), request.body)),
  )
  app.post(
    '/auth/registration/enduser',
    {
      schema: {
        tags,
        body: RegisterEndUserBody,
        response: {
          200: Type.Object({
            ...RegistrationView.properties,
            authentication: Type.Object({ token: Type.String() }),
            wallets: Type.Array(WalletView),
          }),
        },
      },
    },
    async (request) => registration.completeEndUserRegistration(callerOf(request), request.body),
  )
  app.put(
    '/auth/registration/code',
    { schema: { tags, body: UsernameOrgBody, response: { 200: MessageView } } },
    async (request) => loginCodes.resendRegistrationCode(request.body, request.ip),
  )
  app.post(
    '/auth/registration/delegated',
    { schema: { tags, body: DelegatedRegistrationBody, response: { 200: RegistrationChallengeView } } },
    async (request) => registration.delegatedRegistration(callerOf(request), request.body),
  )
}
