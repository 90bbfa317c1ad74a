import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { Journal } from './journal.ts'
import type { EmulatorRoutes } from './mount.ts'

const Query = Type.Object(
  {
    route: Type.Optional(Type.String({ minLength: 1, maxLength: 300 })),
    method: Type.Optional(Type.String({ minLength: 1, maxLength: 10, pattern: '^[A-Za-z]+$' })),
    status: Type.Optional(Type.Integer({ minimum: 100, maximum: 599 })),
    orgId: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    since: Type.Optional(Type.String({ format: 'date-time', maxLength: 64 })),
    until: Type.Optional(Type.String({ format: 'date-time', maxLength: 64 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })),
  },
  { additionalProperties: false },
)

const iso = (value: string | undefined) => (value === undefined ? undefined : new Date(value).toISOString())

/**
 * `GET /emulator/journal` (newest first; `route` is a pattern or a path, `since` inclusive, `until`
 * exclusive, on walletd's clock; `limit` default 100) and `DELETE /emulator/journal`.
 */
export function registerJournalRoutes(journal: Journal): EmulatorRoutes {
  return (scope) => {
    const app = scope.withTypeProvider<TypeBoxTypeProvider>()
    app.get('/journal', { schema: { querystring: Query } }, async (request) => {
      const q = request.query
      return {
        size: journal.size,
        items: journal.list({ ...q, since: iso(q.since), until: iso(q.until) }),
      }
    })
    app.delete('/journal', async (_request, reply) => {
      journal.clear()
      return reply.code(204).send()
    })
  }
}
