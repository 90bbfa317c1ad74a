import { Writable } from 'node:stream'
import Fastify, { type FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import { ManualClock } from '../../src/clock.ts'
import { AppError } from '../../src/errors.ts'
import { errorContractServerOptions, installErrorHandling } from '../../src/http/error-handler.ts'
import { ErrorRecorder } from '../../src/http/error-recorder.ts'
import { installJsonBodyParser } from '../../src/http/json-body.ts'
import { MethodIndex } from '../../src/http/method-index.ts'
import { ErrorIdGenerator } from '../../src/ids.ts'
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts'

export interface ContractApp {
  readonly app: FastifyInstance
  readonly recorder: ErrorRecorder
  readonly database: TestDatabase
  /** Every log line the app wrote, parsed. */
  readonly logLines: Record<string, unknown>[]
  close(): Promise<void>
}

/**
 * A small fastify instance wired with walletd's own error handling and body parser, plus routes
 * that fail on purpose (schema validation, a thrown bug, a plugin-style 429). The production app
 * has no such routes, and src/ carries no test-only branches, so the tests build them here.
 */
export async function createContractApp(options: { bodyLimit?: number } = {}): Promise<ContractApp> {
  const logLines: Record<string, unknown>[] = []
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n')) if (line) logLines.push(JSON.parse(line))
      done()
    },
  })
  const app = Fastify({
    logger: { level: 'info', stream },
    bodyLimit: options.bodyLimit ?? 1024,
    ...errorContractServerOptions,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true } },
  })
  const database = await createTestDatabase()
  const recorder = new ErrorRecorder(
    database.db,
    new ManualClock(Date.parse('2026-03-01T00:00:00Z')),
    app.log,
    {
      retentionDays: 14,
    },
  )
  const methods = new MethodIndex()
  app.addHook('onRoute', (route) => {
    for (const verb of [route.method].flat()) methods.add(verb, route.url)
  })
  app.decorateRequest('caller', undefined)
  app.decorateRequest('rawBody', undefined)
  installErrorHandling(app, { errorIds: new ErrorIdGenerator(5), recorder, methods })
  installJsonBodyParser(app)

  app.post(
    '/things/:thingId',
    {
      schema: {
        params: Type.Object({ thingId: Type.String({ pattern: '^th-[a-z0-9]+$', maxLength: 40 }) }),
        querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })) }),
        body: Type.Object(
          {
            name: Type.String({ minLength: 1, maxLength: 8 }),
            kind: Type.Optional(Type.Union([Type.Literal('Red'), Type.Literal('Blue')])),
            nested: Type.Optional(
              Type.Object({ amount: Type.String({ pattern: '^[0-9]+$', maxLength: 78 }) }),
            ),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (request) => ({ ok: true, body: request.body, rawBody: request.rawBody }),
  )
  app.delete('/things/:thingId', async (request) => ({ deleted: true, body: request.body ?? null }))
  app.get('/bug', async () => {
    throw new Error('connection to db-password-hunter2 refused')
  })
  app.get('/bug-not-an-error', async () => {
    throw 'a string, not an Error'
  })
  app.get('/plugin-429', async (_request, reply) => {
    reply.header('retry-after', '60')
    throw Object.assign(new Error('Rate limit exceeded, retry in 1 minute'), { statusCode: 429 })
  })
  app.get('/app-error', async () => {
    throw new AppError('conflict', 'wallet wa-1 already exists', {
      details: { duplicate: { id: 'wa-1', externalId: 'x' } },
      cause: new Error('UNIQUE constraint failed: wallets.external_id'),
    })
  })
  app.get('/unavailable', async () => {
    throw new AppError('service_unavailable', 'Database is not reachable.', {
      cause: new Error('ECONNREFUSED'),
    })
  })
  await app.ready()
  return {
    app,
    recorder,
    database,
    logLines,
    close: async () => {
      await app.close()
      await recorder.close()
      await database.dispose()
    },
  }
}
