import { Type } from 'typebox'
import type { Mailbox } from '../../mail/index.ts'
import type { EmulatorRoutes } from './mount.ts'

const Message = Type.Object({
  id: Type.String(),
  from: Type.String(),
  to: Type.String(),
  subject: Type.String(),
  text: Type.String(),
  date: Type.String({ format: 'date-time' }),
  delivery: Type.Union([Type.Literal('sent'), Type.Literal('not-sent'), Type.Literal('failed')]),
})

const Query = Type.Object(
  {
    to: Type.Optional(Type.String({ minLength: 1, maxLength: 320 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  },
  { additionalProperties: false },
)

/** `GET /emulator/mailbox` (newest first, `?to=` one recipient) and `DELETE /emulator/mailbox`. */
export function registerMailboxRoutes(mailbox: Mailbox): EmulatorRoutes {
  return (scope) => {
    scope.get(
      '/mailbox',
      { schema: { querystring: Query, response: { 200: Type.Object({ items: Type.Array(Message) }) } } },
      async (request) => {
        const query = request.query as { to?: string; limit?: number }
        return { items: mailbox.list(query) }
      },
    )
    scope.delete('/mailbox', async (_request, reply) => {
      mailbox.clear()
      return reply.code(204).send()
    })
  }
}
