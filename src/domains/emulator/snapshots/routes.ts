import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { AppError } from '../../../errors.ts'
import type { EmulatorRoutes } from '../mount.ts'
import type { SeedDeps } from '../seed/apply.ts'
import { seedState } from '../seed/run.ts'
import { type EmulatorState, snapshotNameError } from './state.ts'

const SnapshotView = Type.Object({
  name: Type.String(),
  dateCreated: Type.String({ format: 'date-time' }),
  networks: Type.Array(Type.String()),
})

/** Reset and snapshots need SQLite: on PostgreSQL they answer 501 saying why. */
function requireSqlite(state: EmulatorState): void {
  if (state.supported) return
  throw new AppError(
    'not_implemented',
    'Reset and snapshots need the embedded SQLite database: on PostgreSQL the database is shared by ' +
      'every node and walletd does not copy it under them. Seed a fresh database (or schema) instead.',
    { details: { feature: 'snapshots', database: 'postgres' } },
  )
}

/**
 * `POST /emulator/seed`, `POST /emulator/reset`, `GET|POST /emulator/snapshots`,
 * `POST /emulator/snapshots/:name/restore`, `DELETE /emulator/snapshots/:name`.
 */
export function registerStateRoutes(deps: SeedDeps & { state: EmulatorState }): EmulatorRoutes {
  const { state } = deps
  return (scope) => {
    const app = scope.withTypeProvider<TypeBoxTypeProvider>()
    // The body is the seed file; the seed's own schema checks it, so errors name its JSON path.
    app.post('/seed', { schema: { hide: true } }, async (request) => seedState(deps, request.body))

    // The body is optional (`walletd emulator reset` sends none), so it is checked here.
    app.post('/reset', { schema: { hide: true } }, async (request) => {
      requireSqlite(state)
      const body = (request.body ?? {}) as Record<string, unknown>
      const extra = Object.keys(body).find((k) => k !== 'to')
      if (typeof body !== 'object' || Array.isArray(body) || extra !== undefined) {
        throw new AppError('validation_failed', `${extra ?? 'body'} is not an allowed field here.`, {
          details: { field: extra ?? 'body' },
        })
      }
      if (body.to !== undefined && body.to !== 'seed' && body.to !== 'empty') {
        throw new AppError('validation_failed', 'to must be "seed" or "empty".', { details: { field: 'to' } })
      }
      return state.exclusive(() => state.reset(body.to as 'seed' | 'empty' | undefined))
    })

    app.get(
      '/snapshots',
      { schema: { hide: true, response: { 200: Type.Object({ items: Type.Array(SnapshotView) }) } } },
      async () => {
        requireSqlite(state)
        return { items: state.list() }
      },
    )

    app.post(
      '/snapshots',
      {
        schema: {
          hide: true,
          body: Type.Object(
            { name: Type.String({ minLength: 1, maxLength: 64 }) },
            { additionalProperties: false },
          ),
          response: { 201: SnapshotView },
        },
      },
      async (request, reply) => {
        requireSqlite(state)
        const invalid = snapshotNameError(request.body.name)
        if (invalid) throw invalid
        const saved = await state.exclusive(() => state.save(request.body.name))
        return reply.code(201).send(saved)
      },
    )

    app.post('/snapshots/:name/restore', { schema: { hide: true } }, async (request) => {
      requireSqlite(state)
      const { name } = request.params as { name: string }
      if (snapshotNameError(name))
        throw new AppError('not_found', `No snapshot named ${JSON.stringify(name)}.`, { details: { name } })
      return state.exclusive(() => state.restore(name))
    })

    app.delete('/snapshots/:name', { schema: { hide: true } }, async (request, reply) => {
      requireSqlite(state)
      const { name } = request.params as { name: string }
      if (snapshotNameError(name))
        throw new AppError('not_found', `No snapshot named ${JSON.stringify(name)}.`, { details: { name } })
      await state.exclusive(async () => state.remove(name))
      return reply.code(204).send()
    })
  }
}
