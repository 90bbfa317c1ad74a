import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { invalidField, notFound } from '../../errors.ts'
import { FAULT_STATUSES, type FaultBook } from './faults.ts'
import type { EmulatorRoutes } from './mount.ts'

const FaultBody = Type.Object(
  {
    route: Type.String({ minLength: 1, maxLength: 300, pattern: '^(\\*|/.*)$' }),
    method: Type.Optional(Type.Union(['GET', 'POST', 'PUT', 'DELETE', 'PATCH'].map((m) => Type.Literal(m)))),
    orgId: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    status: Type.Optional(Type.Integer({ minimum: 400, maximum: 599 })),
    retryAfterSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 3600 })),
    delayMs: Type.Optional(Type.Integer({ minimum: 1, maximum: 60_000 })),
    policyPending: Type.Optional(Type.Literal(true)),
    times: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
    probability: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1 })),
    seed: Type.Optional(Type.Integer({ minimum: 0, maximum: 4294967295 })),
  },
  { additionalProperties: false },
)

const FaultParams = Type.Object({ faultId: Type.String({ minLength: 1, maxLength: 64 }) })

/** How many faults one node holds: enough for any test, bounded like every other list. */
const MAX_FAULTS = 1000

/**
 * `POST /emulator/faults` (201 with the fault), `GET /emulator/faults` ({items}),
 * `DELETE /emulator/faults` (all) and `DELETE /emulator/faults/:faultId`.
 */
export function registerFaultRoutes(faults: FaultBook): EmulatorRoutes {
  return (scope) => {
    const app = scope.withTypeProvider<TypeBoxTypeProvider>()
    app.post('/faults', { schema: { body: FaultBody } }, async (request, reply) => {
      const spec = request.body
      if (spec.status === undefined && spec.delayMs === undefined && spec.policyPending === undefined) {
        throw invalidField('status', 'A fault needs status, delayMs or policyPending.')
      }
      if (spec.status !== undefined && !FAULT_STATUSES.has(spec.status)) {
        throw invalidField(
          'status',
          `status ${spec.status} is not one a fault can answer: ${[...FAULT_STATUSES.keys()].join(', ')}.`,
        )
      }
      if (spec.status !== undefined && spec.policyPending) {
        throw invalidField('policyPending', 'A fault answers either status or policyPending, not both.')
      }
      if (spec.retryAfterSeconds !== undefined && spec.status !== 429) {
        throw invalidField('retryAfterSeconds', 'retryAfterSeconds goes with status 429.')
      }
      if (spec.seed !== undefined && spec.probability === undefined) {
        throw invalidField('seed', 'seed goes with probability.')
      }
      if (faults.list().length >= MAX_FAULTS) {
        throw invalidField('route', `A node holds at most ${MAX_FAULTS} faults; remove some first.`)
      }
      return reply.code(201).send(faults.add(spec))
    })
    app.get('/faults', async () => ({ items: faults.list() }))
    app.delete('/faults', async (_request, reply) => {
      faults.clear()
      return reply.code(204).send()
    })
    app.delete('/faults/:faultId', { schema: { params: FaultParams } }, async (request, reply) => {
      if (!faults.remove(request.params.faultId)) throw notFound('Fault', request.params.faultId)
      return reply.code(204).send()
    })
  }
}
