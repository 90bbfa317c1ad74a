import swagger from '@fastify/swagger'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify'
import { registerChainRoutes } from './chains/dev-chain/emulator-routes.ts'
import type { DevChain } from './chains/dev-chain/supervisor.ts'
import { createEvmEndpoints, type EvmEndpoints } from './chains/evm/endpoints.ts'
import { requireNetwork } from './chains/networks.ts'
import type { Clock } from './clock.ts'
import type { Config } from './config.ts'
import { createImportSigner, createSoftwareKeyStore, type KeyStore } from './custody/index.ts'
import type { SecretBox } from './custody/secret-box.ts'
import { type DatabaseHandle, pingDatabase } from './db/database.ts'
import { type AuthService, createAuthModule } from './domains/auth/index.ts'
import { registerClockRoutes } from './domains/emulator/clock-routes.ts'
import { devChainTimeFollower } from './domains/emulator/clock-sync.ts'
import { registerFaultRoutes } from './domains/emulator/fault-routes.ts'
import { FaultBook } from './domains/emulator/faults.ts'
import { Journal } from './domains/emulator/journal.ts'
import { registerJournalRoutes } from './domains/emulator/journal-routes.ts'
import { registerMailboxRoutes } from './domains/emulator/mailbox-routes.ts'
import { type EmulatorRoutes, mountEmulator, OPERATOR_GUARDED } from './domains/emulator/mount.ts'
import { type SeedOutcome, seedState } from './domains/emulator/seed/run.ts'
import { registerStateRoutes } from './domains/emulator/snapshots/routes.ts'
import { EmulatorState } from './domains/emulator/snapshots/state.ts'
import { createNetworksModule } from './domains/networks/index.ts'
import {
  createPermissionsModule,
  type PermissionsModule,
  type PermissionsService,
} from './domains/permissions/index.ts'
import { createPlansModule, installPlanGate, type PlanService } from './domains/plans/index.ts'
import { createPoliciesModule, type PoliciesModule } from './domains/policies/index.ts'
import { createPriceSource } from './domains/policies/prices.ts'
import { createHistoryModule } from './domains/wallets/history/index.ts'
import { createWalletsModule, type WalletsModule } from './domains/wallets/index.ts'
import { INTERRUPTED_SWEEP_MS } from './domains/wallets/signatures/execution.ts'
import { createTransfersModule } from './domains/wallets/transfers/index.ts'
import { createWebhooksModule, DELIVERY_JOB, type WebhooksModule } from './domains/webhooks/index.ts'
import { AppError } from './errors.ts'
import { installAuthentication } from './http/authenticate.ts'
import { errorContractServerOptions, installErrorHandling } from './http/error-handler.ts'
import { ErrorRecorder } from './http/error-recorder.ts'
import { installJsonBodyParser, refuseNulCharacters } from './http/json-body.ts'
import { type LazySchemaCompilers, lazySchemaCompilers } from './http/lazy-schemas.ts'
import { MethodIndex } from './http/method-index.ts'
import { countSqlStatements, installMetrics } from './http/metrics.ts'
import { openApiOptions } from './http/openapi.ts'
import { notServedError, registerNotServedRoutes } from './http/out-of-scope.ts'
import { installPermissionGuard } from './http/permission-guard.ts'
import { installRateLimit } from './http/rate-limit.ts'
import {
  emulatorRoutes as emulatorRouteKeys,
  operationalRoutes,
  routeKey,
  routeTable,
} from './http/route-table.ts'
import { installUserActionCheck } from './http/user-action.ts'
import { ErrorIdGenerator } from './ids.ts'
import { createJobRunner, enqueueJob, type JobRunner } from './jobs/index.ts'
import { createMailer, createSmtpTransport, Mailbox, type Mailer } from './mail/index.ts'
import { allowAll, publicOnly } from './net/address-policy.ts'
import { type Resolver, systemResolver } from './net/safe-post.ts'

/** What the app needs from outside; tests pass their own clock, database and ids. */
export interface AppDeps {
  readonly database: DatabaseHandle
  readonly clock: Clock
  /** Encrypts secrets at rest under the master key. */
  readonly secrets: SecretBox
  readonly errorIds?: ErrorIdGenerator
  /**
   * The operator token of the `/emulator/…` controls. They are mounted only in the development
   * profile and only when a token is given (`walletd start` always gives one there).
   */
  readonly operatorToken?: string
  /** A pino logger or logger options; `false` silences logging (tests). */
  readonly logger?: FastifyBaseLogger | boolean
  /** How webhook delivery resolves host names (tests play a rebinding name server with it). */
  readonly resolver?: Resolver
  /** Run background jobs on this node's own timer once ready (default true); tests may drive `runDueJobs()` instead. */
  readonly runJobs?: boolean
  /** The supervised local chain (development profile); networks with configured RPC URLs use those. */
  readonly devChain?: DevChain
}

export type App = FastifyInstance & {
  readonly walletd: {
    readonly errorRecorder: ErrorRecorder
    /** Route schemas compile on first use; `walletd start` warms them up once it listens. */
    readonly schemaCompilers: LazySchemaCompilers
    readonly auth: AuthService
    readonly policies: PoliciesModule
    readonly plans: PlanService
    readonly permissions: PermissionsService
    readonly wallets: WalletsModule
    readonly webhooks: WebhooksModule
    /** The one background-work queue: domains register their job kinds on it. */
    readonly jobs: JobRunner
    /** Sends walletd's e-mails (SMTP when configured) and keeps them in the mailbox in development. */
    readonly mailer: Mailer
    /** The emulator's mailbox; undefined in the production profile. */
    readonly mailbox: Mailbox | undefined
    /** Seed, reset and snapshots (development profile with the emulator controls); else undefined. */
    readonly emulator:
      | {
          readonly state: EmulatorState
          seed(input: unknown, options?: { reuse?: boolean }): Promise<SeedOutcome>
        }
      | undefined
    /** The JSON-RPC endpoint of every EVM network walletd can reach. */
    readonly evm: EvmEndpoints
    /** SIGTERM: `/readyz` answers 503 and responses close their connections (see `walletd start`). */
    readonly startDraining: () => void
  }
}

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

/**
 * The composition root: builds a ready-to-listen fastify instance with every domain registered.
 * It never listens; `walletd start` does that, tests use `app.inject()` or listen on port 0.
 */
export async function buildApp(config: Config, deps: AppDeps): Promise<App> {
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
  const evm = createEvmEndpoints({ rpcUrls: config.rpcUrls, devChain: deps.devChain })
  const jobs = createJobRunner({
    db: deps.database.db,
    dialect: deps.database.dialect,
    clock: deps.clock,
    logger: app.log,
  })

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

  // The Dfns API pipeline (route rule, authentication, rate limit, plan gate, user action,
  // permission guard) and the API routes live in one encapsulated context, so its hooks run on API
  // routes only: the operational routes above answer without a stack of no-op hooks per request,
  // which cost them a third of bare fastify's throughput (BENCHMARKS.md). Error handling, body
  // parsing and metrics are installed on the root before it, and inherited.
  let auth!: AuthService
  let plans!: PlanService
  let policies!: PoliciesModule
  let permissions!: PermissionsService
  let permissionOperations!: PermissionsModule['operations']
  let wallets!: ReturnType<typeof createWalletsModule>
  let webhooks!: WebhooksModule
  let webhookRetention: NodeJS.Timeout | undefined
  let approvalSweep: NodeJS.Timeout | undefined
  let authSweep: NodeJS.Timeout | undefined
  // Every e-mail (registration, login and recovery codes); in development also kept in the mailbox.
  const mailbox = config.profile === 'development' ? new Mailbox() : undefined
  const mailTransport = config.smtpUrl ? createSmtpTransport(config.smtpUrl) : undefined
  const mailer = createMailer({
    clock: deps.clock,
    logger: app.log,
    transport: mailTransport,
    from: config.mailFrom,
    mailbox,
  })
  // Domains push the `/emulator/…` routes they own here; they are mounted after the API context.
  const moveChainTime = devChainTimeFollower(evm, app.log)
  const emulatorRoutes: EmulatorRoutes[] = [
    // A move of the clock also moves the dev chain's time, expires the approvals now due (so their
    // requests are rejected at once, not at the next sweep) and wakes the job runner (retries due).
    registerClockRoutes(deps.clock, async (byMs) => {
      await moveChainTime(byMs)
      await policies.approvals.expireDueApprovals()
      await policies.approvals.dispatchResolvedApprovals()
      jobs.wake()
    }),
    registerChainRoutes(evm),
  ]
  if (mailbox) emulatorRoutes.push(registerMailboxRoutes(mailbox))
  // Injected faults (development only): per node, in memory.
  const faults = config.profile === 'development' ? new FaultBook(deps.clock) : undefined
  if (faults) emulatorRoutes.push(registerFaultRoutes(faults))
  const journal = config.profile === 'development' ? new Journal(deps.clock, config.journalSize) : undefined
  if (journal) emulatorRoutes.push(registerJournalRoutes(journal))
  let interruptedSweep: NodeJS.Timeout | undefined
  let keyStore!: KeyStore
  let rateLimit: { clearCounters(): void } | undefined
  await app.register(async (api) => {
    // First, so every API request is journaled, the ones refused by the hooks below included.
    journal?.install(api)
    api.addHook('onRequest', async (request) => {
      const url = request.routeOptions.url
      // HEAD is answered by the GET route (fastify adds it), so it is authenticated and guarded as GET.
      const method = request.method === 'HEAD' ? 'GET' : request.method
      request.routeRule = url ? routeTable[routeKey(method, url)] : undefined
      // A route walletd does not serve answers 501 first: before authentication, so before any
      // user action is consumed or any other refusal could hide what the caller needs to know.
      const domain = request.routeRule?.notServed
      if (domain) throw notServedError(domain, request.method, request.url.split('?')[0] ?? '')
      // The URL's half of the NUL rule (json-body.ts checks bodies as it parses them).
      refuseNulCharacters(request)
    })
    plans = createPlansModule({
      db: deps.database.db,
      clock: deps.clock,
      defaultRateLimit: config.defaultRateLimit,
    }).service
    const prices = createPriceSource({
      table: config.prices,
      url: config.priceUrl,
      timeoutMs: config.priceTimeoutMs,
    })
    keyStore = createSoftwareKeyStore({
      db: deps.database.db,
      secrets: deps.secrets,
      now: () => deps.clock.now(),
    })
    webhooks = createWebhooksModule({
      database: deps.database,
      clock: deps.clock,
      secrets: deps.secrets,
      webhookLimit: async (orgId) => (await plans.planOf(orgId)).features.webhooks,
      enqueue: (trx, job) => enqueueJob(trx, job, deps.clock),
      outbound: {
        // The SSRF guard is the production profile's; development reaches loopback receivers.
        policy: config.profile === 'production' ? publicOnly(config.webhookAllowedCidrs) : allowAll,
        resolve: deps.resolver ?? systemResolver,
        timeoutMs: config.webhookTimeoutMs,
        maxResponseBytes: 64 * 1024,
      },
      metrics,
    })
    policies = createPoliciesModule({
      db: deps.database.db,
      clock: deps.clock,
      prices,
      // Screening rules need their vendor feature on the org's plan (402 otherwise).
      assertFeature: (orgId, feature) => plans.requireFeature(orgId, feature),
      // policy.* webhook events, written in the transaction of their change.
      events: webhooks.policyEvents,
      logger: app.log,
    })
    // Assignments name the auth domain's users and tokens; auth asks `grants` when it creates an
    // identity. Both are used per request, once `auth` (just below) exists.
    const permissionsModule = createPermissionsModule({
      db: deps.database.db,
      clock: deps.clock,
      users: { find: (orgId, userId) => auth.context.repos.users.find(orgId, userId) },
      tokens: { find: (orgId, tokenId) => auth.context.repos.tokens.find(orgId, tokenId) },
      changes: policies.changeRequests,
    })
    permissions = permissionsModule.service
    permissionOperations = permissionsModule.operations
    const authModule = createAuthModule({
      db: deps.database.db,
      clock: deps.clock,
      secrets: deps.secrets,
      config,
      mailer,
      // A permission granted at creation is decided like a direct assignment, policies included.
      grants: permissionsModule.grants,
    })
    auth = authModule.service
    // One hook per concern, in pipeline order: authentication (onRequest), the per-org rate limit
    // (route-level onRequest, so after authentication), then in preValidation the plan gate, the
    // user action and the permission guard. The rate limit registers before any route: it hooks
    // itself onto each route as it is added.
    installAuthentication(api, auth.authenticate)
    if (faults) api.addHook('onRequest', faults.hook())
    rateLimit = await installRateLimit(api, {
      quotaFor: async (orgId) => (await plans.planOf(orgId)).rateLimitPerMinute,
      unauthenticatedQuota: config.publicRateLimit,
      redisUrl: config.redisUrl,
      clock: deps.clock,
    })
    installPlanGate(api, plans)
    installUserActionCheck(api, auth.verifyUserAction)
    installPermissionGuard(api, permissionsModule.operations)

    authModule.registerRoutes(api)

    policies.registerRoutes(api)
    permissionsModule.registerRoutes(api)
    // Reads expire approvals lazily; this sweep also expires the ones nobody reads, so their
    // requests are rejected and their change requests dropped on time. Idempotent across nodes.
    approvalSweep = setInterval(() => {
      Promise.all([
        policies.approvals.expireDueApprovals(),
        policies.approvals.dispatchResolvedApprovals(),
      ]).catch((err) => app.log.error({ err }, 'approval sweep failed'))
    }, 30_000)
    approvalSweep.unref()
    // Expired challenges and unused userAction tokens are deleted, so unanswered auth state cannot
    // pile up. Each run is idempotent DELETEs by expiry: safe with every node sweeping.
    authSweep = setInterval(() => {
      auth.purgeExpired().catch((err) => app.log.error({ err }, 'auth state sweep failed'))
    }, 60_000)
    authSweep.unref()

    webhooks.registerRoutes(api)
    jobs.register(DELIVERY_JOB, {
      run: async (job) => {
        await webhooks.deliverAttempt((job.payload as { eventId: string }).eventId)
      },
      // A run is bounded by the receiver timeout (lookup included, then the request); the lease
      // leaves room for both and the database writes. A node killed mid-send is taken over then.
      leaseMs: config.webhookTimeoutMs * 2 + 15_000,
    })
    webhookRetention = setInterval(() => {
      webhooks.service.purgeExpiredEvents().catch((err) => app.log.error({ err }, 'webhook retention failed'))
    }, 3_600_000)
    webhookRetention.unref()

    wallets = createWalletsModule({
      db: deps.database.db,
      clock: deps.clock,
      keyStore,
      importSigner: createImportSigner({
        db: deps.database.db,
        secrets: deps.secrets,
        now: () => deps.clock.now(),
      }),
      people: auth.context.repos.users,
      plans,
      // For body-dependent operations (Wallets:Tags:Add, Keys:Reuse): the guard's own source.
      operations: permissionsModule.operations,
      governance: policies.governance,
      // Wallet, key and signature changes emit their webhook events in their own transaction.
      decorateRepositories: (repositories) => webhooks.emittingRepositories(repositories),
      priceTimeoutMs: config.priceTimeoutMs,
    })
    wallets.registerRoutes(api)
    const transfers = createTransfersModule({
      db: deps.database.db,
      clock: deps.clock,
      wallets,
      keyStore,
      evm,
      jobs,
      prices,
      governance: policies.governance,
      decorateRepository: (repository) => webhooks.emittingTransfers(repository),
    })
    transfers.registerRoutes(api)
    // Incoming and outgoing transfers found on chain by the block follower, assets and NFTs.
    const history = createHistoryModule({
      db: deps.database.db,
      clock: deps.clock,
      wallets: wallets.service,
      evm,
      jobs,
      prices,
      emit: webhooks.emitEvent,
      confirmations: config.chainConfirmations,
      pollMs: config.chainPollMs,
      listedTokens: config.evmTokens,
      logger: app.log,
    })
    history.registerRoutes(api)
    app.addHook('onReady', async () => {
      await history.start()
    })
    // End users registered with `wallets` get them delegated to themselves (the registration's
    // caller is the new end user, so the wallets domain delegates each wallet to it).
    auth.context.endUserWallets = {
      check: (list) => {
        for (const [i, w] of list.entries()) requireNetwork(w.network, `body.wallets.${i}.network`)
      },
      create: async (endUser, list) => {
        const created = []
        for (const w of list) {
          created.push(
            await wallets.service.create(endUser, {
              network: w.network,
              ...(w.name ? { name: w.name } : {}),
            }),
          )
        }
        return created
      },
    }
    createNetworksModule({ evm }).registerRoutes(api)
    // Signature requests whose node stopped mid-signing are ended Failed by whichever node looks
    // first: once at start, then periodically. Idempotent across nodes (conditional updates).
    const failInterrupted = () =>
      wallets.signatures
        .failInterrupted()
        .then((ended) => ended > 0 && app.log.warn({ ended }, 'interrupted signature requests ended Failed'))
        .catch((err) => app.log.error({ err }, 'interrupted signature sweep failed'))
    app.addHook('onReady', async () => {
      void failInterrupted()
    })
    interruptedSweep = setInterval(failInterrupted, INTERRUPTED_SWEEP_MS)
    interruptedSweep.unref()
    registerNotServedRoutes(api)
  })

  // Handlers are registered while the domains are built above; the timer starts once the app is ready.
  if (deps.runJobs ?? true) app.addHook('onReady', async () => jobs.start())

  let emulator: App['walletd']['emulator']
  if (config.profile === 'development' && deps.operatorToken !== undefined) {
    const runJobs = deps.runJobs ?? true
    const state = new EmulatorState({
      database: deps.database,
      evm,
      clock: deps.clock,
      hooks: {
        pauseJobs: async () => {
          if (runJobs) await jobs.stop()
        },
        resumeJobs: () => {
          if (runJobs) jobs.start()
        },
        // Every cache of database state walletd keeps in memory (see the emulator README).
        clearCaches: () => {
          plans.clearCache()
          auth.context.tokens.clearCache()
          permissionOperations.clearCache()
          rateLimit?.clearCounters()
          mailbox?.clear()
        },
      },
    })
    const seedDeps = { state, clock: deps.clock, auth, permissions, policies, plans, wallets, keyStore, evm }
    emulatorRoutes.push(registerStateRoutes(seedDeps))
    emulator = { state, seed: (input, options) => seedState(seedDeps, input, options) }
    app.addHook('onClose', async () => state.close())
    await mountEmulator(app, { token: deps.operatorToken, routes: emulatorRoutes })
  }

  app.addHook('onClose', async () => {
    await jobs.stop()
    mailTransport?.close()
    clearInterval(approvalSweep)
    clearInterval(authSweep)
    clearInterval(webhookRetention)
    clearInterval(interruptedSweep)
    await recorder.close()
  })

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

  return Object.assign(app as unknown as FastifyInstance, {
    walletd: {
      errorRecorder: recorder,
      schemaCompilers,
      auth,
      policies,
      plans,
      permissions,
      wallets,
      webhooks,
      jobs,
      evm,
      startDraining,
      mailer,
      mailbox,
      emulator,
    },
  })
}
