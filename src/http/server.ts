/**
 * The HTTP server walletd is built on, before any domain: fastify with the connection limits, the
 * error contract, JSON bodies, the OpenAPI document, metrics, the route-table check every route
 * passes when it is added, and the operational routes (`/healthz`, `/readyz`, `/openapi.json`,
 * `/metrics`). The composition root (src/app.ts) adds the API pipeline and the domains on top.
 */
import swagger from '@fastify/swagger'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import Fastify, { type FastifyBaseLogger, LogController } from 'fastify'
import type { Clock } from '../clock.ts'
import type { Config } from '../config.ts'
import { type DatabaseHandle, pingDatabase } from '../db/database.ts'
import { AppError } from '../errors.ts'
import { ErrorIdGenerator } from '../ids.ts'
import { errorContractServerOptions, installErrorHandling } from './error-handler.ts'
import { ErrorRecorder } from './error-recorder.ts'
import { installJsonBodyParser } from './json-body.ts'
import { lazySchemaCompilers } from './lazy-schemas.ts'
import { MethodIndex } from './method-index.ts'
import { countSqlStatements, installMetrics } from './metrics.ts'
import { openApiOptions } from './openapi.ts'
import {
  emulatorRoutes as emulatorRouteKeys,
  OPERATOR_GUARDED,
  operationalRoutes,
  routeKey,
  routeTable,
} from './route-table.ts'

/**
 * Deadlines and the connection cap (README, configuration). Node enforces the header and request
 * deadlines from a periodic sweep (every 30 s by default, which let a stalled header live ~90 s);
 * the sweep here runs several times per header deadline. A missed deadline is answered 408 in the
 * error contract (error-handler.ts) when no response has started.
 */
function connectionLimits(config: Config) {
  return {
    requestTimeout: config.requestTimeoutMs,
    keepAliveTimeout: config.idleTimeoutMs,
    http: {
      headersTimeout: config.headerTimeoutMs,
      requestTimeout: config.requestTimeoutMs,
      connectionsCheckingInterval: Math.min(1000, Math.max(50, Math.floor(config.headerTimeoutMs / 4))),
    },
  }
}

export async function createServer(
  config: Config,
  deps: {
    readonly database: DatabaseHandle
    readonly clock: Clock
    readonly errorIds?: ErrorIdGenerator
    readonly logger?: FastifyBaseLogger | boolean
  },
) {
  const loggerOption =
    deps.logger === undefined
      ? {
          level: config.logLevel,
          redact: ['req.headers.authorization', 'req.headers["x-dfns-useraction"]'],
        }
      : deps.logger
  const schemaCompilers = lazySchemaCompilers()
  const app = Fastify({
    ...(typeof loggerOption === 'object' && 'info' in loggerOption
      ? { loggerInstance: loggerOption }
      : { logger: loggerOption }),
    bodyLimit: config.bodyLimit,
    // Per-request lines are off: errors are logged once, with their id, by the error handler.
    logController: new LogController({ disableRequestLogging: true }),
    forceCloseConnections: 'idle',
    ...connectionLimits(config),
    return503OnClosing: false,
    ...errorContractServerOptions,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true } },
    schemaController: { compilersFactory: schemaCompilers.compilersFactory },
  }).withTypeProvider<TypeBoxTypeProvider>()

  // Beyond the cap Node closes new connections at once, unanswered: answering would cost the very
  // resources the cap protects.
  app.server.maxConnections = config.maxConnections
  const errorIds = deps.errorIds ?? new ErrorIdGenerator(config.nodeId)
  const recorder = new ErrorRecorder(deps.database.db, deps.clock, app.log, {
    retentionDays: config.errorRetentionDays,
  })
  const methods = new MethodIndex()

  // Every API route must have its row in the route table: a route added without deciding who may
  // call it is a start-up failure, not a silent hole.
  app.addHook('onRoute', function checkRouteRow(route) {
    const verbs = Array.isArray(route.method) ? route.method : [route.method]
    for (const verb of verbs) {
      if (verb === 'HEAD') continue
      methods.add(verb, route.url)
      const key = routeKey(verb, route.url)
      if (emulatorRouteKeys.has(key)) {
        // `this` is the context the route is added to: an emulator route outside the guarded one
        // would answer without the operator token.
        if (!this.hasDecorator(OPERATOR_GUARDED)) {
          throw new Error(`route ${key} must be added through the emulator's context (emulatorRoutes)`)
        }
        continue
      }
      if (!operationalRoutes.has(key) && !routeTable[key] && !route.url.startsWith('/documentation')) {
        throw new Error(`route ${key} has no row in src/http/route-table.ts`)
      }
    }
  })
  app.decorateRequest('caller', undefined)
  app.decorateRequest('rawBody', undefined)
  app.decorateRequest('routeRule', undefined)
  installErrorHandling(app, { errorIds, recorder, methods })
  installJsonBodyParser(app)
  // Before any route, so the document lists them all (/metrics included).
  await app.register(swagger, openApiOptions(config.publicUrl))
  const metrics = installMetrics(app)
  countSqlStatements(metrics, () => deps.database.statements())

  app.get('/healthz', async () => ({ status: 'ok' }))
  let draining = false
  app.get('/readyz', async () => {
    if (draining) {
      throw new AppError('service_unavailable', 'walletd is shutting down.', {
        details: { reason: 'draining' },
      })
    }
    try {
      await pingDatabase(deps.database)
    } catch (cause) {
      throw new AppError('service_unavailable', 'Database is not reachable.', { cause })
    }
    return { status: 'ready' }
  })
  app.get('/openapi.json', async () => app.swagger())

  /**
   * The first step of a graceful stop: `/readyz` answers 503 so a load balancer takes the node out,
   * while every request is still served; each response closes its connection, so kept-alive
   * connections end between requests rather than being reset later. The listener added here costs
   * nothing before the drain starts.
   */
  const startDraining = () => {
    if (draining) return
    draining = true
    app.server.prependListener('request', (_request, response) => {
      response.shouldKeepAlive = false
    })
  }

  return { app, recorder, metrics, schemaCompilers, startDraining }
}
