import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import { FeesQuery, FeesView } from './schemas.ts'
import type { NetworksService } from './service.ts'

/** `GET /networks/fees?network=X`. */
export function registerNetworkRoutes(fastify: FastifyInstance, networks: NetworksService): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  app.get(
    '/networks/fees',
    { schema: { tags: ['networks'], querystring: FeesQuery, response: { 200: FeesView } } },
    async (request) => networks.estimateFees(request.query.network),
  )
}
