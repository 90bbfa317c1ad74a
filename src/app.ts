import type { FastifyBaseLogger, FastifyInstance } from 'fastify'
import type { DevChain } from './chains/dev-chain/supervisor.ts'
import { createEvmEndpoints, type EvmEndpoints } from './chains/evm/endpoints.ts'
import { requireNetwork } from './chains/networks.ts'
import type { Clock } from './clock.ts'
import type { Config } from './config.ts'
import { createImportSigner, createSoftwareKeyStore } from './custody/index.ts'
import type { SecretBox } from './custody/secret-box.ts'
import type { DatabaseHandle } from './db/database.ts'
import { type AuthService, createAuthModule } from './domains/auth/index.ts'
import {
  createEmulatorHooks,
  type EmulatorControls,
  mountEmulatorControls,
} from './domains/emulator/index.ts'
import { createNetworksModule } from './domains/networks/index.ts'
import { createPermissionsModule, type PermissionsService } from './domains/permissions/index.ts'
import { createPlansModule, installPlanGate, type PlanService } from './domains/plans/index.ts'
import { createPoliciesModule, type PoliciesModule } from './domains/policies/index.ts'
import { createPriceSource } from './domains/policies/prices.ts'
import { createHistoryModule } from './domains/wallets/history/index.ts'
import { createWalletsModule, type WalletsModule } from './domains/wallets/index.ts'
import { INTERRUPTED_SWEEP_MS } from './domains/wallets/signatures/execution.ts'
import { createTransfersModule } from './domains/wallets/transfers/index.ts'
import { createWebhooksModule, DELIVERY_JOB, type WebhooksModule } from './domains/webhooks/index.ts'
import { installAuthentication } from './http/authenticate.ts'
import type { ErrorRecorder } from './http/error-recorder.ts'
import { refuseNulCharacters } from './http/json-body.ts'
import type { LazySchemaCompilers } from './http/lazy-schemas.ts'
import { notServedError, registerNotServedRoutes } from './http/out-of-scope.ts'
import { installPermissionGuard } from './http/permission-guard.ts'
import { installRateLimit } from './http/rate-limit.ts'
import { routeKey, routeTable } from './http/route-table.ts'
import { createServer } from './http/server.ts'
import { installUserActionCheck } from './http/user-action.ts'
import type { ErrorIdGenerator } from './ids.ts'
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
    readonly emulator: EmulatorControls | undefined
    /** The JSON-RPC endpoint of every EVM network walletd can reach. */
    readonly evm: EvmEndpoints
    /** SIGTERM: `/readyz` answers 503 and responses close their connections (see `walletd start`). */
    readonly startDraining: () => void
  }
}

/**
 * The composition root: builds a ready-to-listen fastify instance with every domain registered.
 * It reads in three steps: build the modules, install the API pipeline, mount each module's routes.
 * It never listens; `walletd start` does that, tests use `app.inject()` or listen on port 0.
 */
export async function buildApp(config: Config, deps: AppDeps): Promise<App> {
  const { app, recorder, metrics, schemaCompilers, startDraining } = await createServer(config, deps)
  const { db } = deps.database
  const clock = deps.clock
  const now = () => clock.now()
  const evm = createEvmEndpoints({ rpcUrls: config.rpcUrls, devChain: deps.devChain })
  const jobs = createJobRunner({ db, dialect: deps.database.dialect, clock, logger: app.log })
  // Every e-mail (registration, login and recovery codes); in development also kept in the mailbox.
  const mailbox = config.profile === 'development' ? new Mailbox() : undefined
  const mailTransport = config.smtpUrl ? createSmtpTransport(config.smtpUrl) : undefined
  const mailer = createMailer({
    clock,
    logger: app.log,
    transport: mailTransport,
    from: config.mailFrom,
    mailbox,
  })
  const prices = createPriceSource({
    table: config.prices,
    url: config.priceUrl,
    timeoutMs: config.priceTimeoutMs,
  })
  const keyStore = createSoftwareKeyStore({ db, secrets: deps.secrets, now })

  // --- 1. the modules ------------------------------------------------------------------------------
  const plans = createPlansModule({ db, clock, defaultRateLimit: config.defaultRateLimit })
  const webhooks = createWebhooksModule({
    database: deps.database,
    clock,
    secrets: deps.secrets,
    webhookLimit: async (orgId) => (await plans.service.planOf(orgId)).features.webhooks,
    enqueue: (job, trx) => enqueueJob(job, clock, trx),
    outbound: {
      // The SSRF guard is the production profile's; development reaches loopback receivers.
      policy: config.profile === 'production' ? publicOnly(config.webhookAllowedCidrs) : allowAll,
      resolve: deps.resolver ?? systemResolver,
      timeoutMs: config.webhookTimeoutMs,
      maxResponseBytes: 64 * 1024,
    },
    metrics,
  })
  const policies = createPoliciesModule({
    db,
    clock,
    prices,
    // Screening rules need their vendor feature on the org's plan (402 otherwise).
    assertFeature: (orgId, feature) => plans.service.requireFeature(orgId, feature),
    // policy.* webhook events, written in the transaction of their change.
    events: webhooks.policyEvents,
    logger: app.log,
  })
  // Assignments name the auth domain's users and tokens, and auth asks `grants` when it creates an
  // identity: each needs the other, and each uses the other only per request, once both exist.
  const permissions = createPermissionsModule({
    db,
    clock,
    users: { find: (orgId, userId) => auth.service.context.repos.users.find(orgId, userId) },
    tokens: { find: (orgId, tokenId) => auth.service.context.repos.tokens.find(orgId, tokenId) },
    changes: policies.changeRequests,
  })
  const auth = createAuthModule({
    db,
    clock,
    secrets: deps.secrets,
    config,
    mailer,
    // A permission granted at creation is decided like a direct assignment, policies included.
    grants: permissions.grants,
  })
  const wallets = createWalletsModule({
    db,
    clock,
    keyStore,
    importSigner: createImportSigner({ db, secrets: deps.secrets, now }),
    people: auth.service.context.repos.users,
    plans: plans.service,
    // For body-dependent operations (Wallets:Tags:Add, Keys:Reuse): the guard's own source.
    operations: permissions.operations,
    governance: policies.governance,
    // Wallet, key and signature changes emit their webhook events in their own transaction.
    decorateRepositories: (repositories) => webhooks.emittingRepositories(repositories),
    priceTimeoutMs: config.priceTimeoutMs,
  })
  const transfers = createTransfersModule({
    db,
    clock,
    wallets,
    keyStore,
    evm,
    jobs,
    prices,
    governance: policies.governance,
    decorateRepository: (repository) => webhooks.emittingTransfers(repository),
  })
  // Incoming and outgoing transfers found on chain by the block follower, assets and NFTs.
  const history = createHistoryModule({
    db,
    clock,
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
  const networks = createNetworksModule({ evm })
  // End users registered with `wallets` get them delegated to themselves (the registration's
  // caller is the new end user, so the wallets domain delegates each wallet to it).
  auth.service.context.endUserWallets = {
    check: (list) => {
      for (const [i, w] of list.entries()) requireNetwork(w.network, `body.wallets.${i}.network`)
    },
    create: async (endUser, list) => {
      const created = []
      for (const w of list) {
        created.push(
          await wallets.service.create(endUser, { network: w.network, ...(w.name ? { name: w.name } : {}) }),
        )
      }
      return created
    },
  }
  jobs.register(DELIVERY_JOB, {
    run: async (job) => {
      await webhooks.deliverAttempt((job.payload as { eventId: string }).eventId)
    },
    // A run is bounded by the receiver timeout (lookup included, then the request); the lease
    // leaves room for both and the database writes. A node killed mid-send is taken over then.
    leaseMs: config.webhookTimeoutMs * 2 + 15_000,
  })
  const modules = [auth, plans, policies, permissions, webhooks, wallets, transfers, history, networks]

  // Emulator controls (development): faults and the journal hook into the pipeline below.
  const emulatorHooks =
    config.profile === 'development'
      ? createEmulatorHooks({ clock, journalSize: config.journalSize })
      : undefined
  const { faults, journal } = emulatorHooks ?? {}

  // --- 2. the pipeline, 3. the routes ---------------------------------------------------------------
  // The Dfns API pipeline (route rule, authentication, rate limit, plan gate, user action,
  // permission guard) and the API routes live in one encapsulated context, so its hooks run on API
  // routes only: the operational routes answer without a stack of no-op hooks per request, which
  // cost them a third of bare fastify's throughput (BENCHMARKS.md). Error handling, body parsing
  // and metrics are installed on the root (src/http/server.ts), and inherited.
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
    // One hook per concern, in pipeline order: authentication (onRequest), the per-org rate limit
    // (route-level onRequest, so after authentication), then in preValidation the plan gate, the
    // user action and the permission guard. The rate limit registers before any route: it hooks
    // itself onto each route as it is added.
    installAuthentication(api, auth.service.authenticate)
    if (faults) api.addHook('onRequest', faults.hook())
    rateLimit = await installRateLimit(api, {
      quotaFor: async (orgId) => (await plans.service.planOf(orgId)).rateLimitPerMinute,
      unauthenticatedQuota: config.publicRateLimit,
      redisUrl: config.redisUrl,
      clock,
    })
    installPlanGate(api, plans.service)
    installUserActionCheck(api, auth.service.verifyUserAction)
    installPermissionGuard(api, permissions.operations)

    for (const module of modules) module.registerRoutes(api)
    registerNotServedRoutes(api)
  })

  // --- background work -----------------------------------------------------------------------------
  const timers: NodeJS.Timeout[] = []
  /** Runs `task` every `ms` on this node; each task is idempotent, so every node may run it. */
  const every = (ms: number, what: string, task: () => Promise<unknown>) => {
    const run = () => task().catch((err) => app.log.error({ err }, `${what} failed`))
    const timer = setInterval(run, ms)
    timer.unref()
    timers.push(timer)
    return run
  }
  // Reads expire approvals lazily; this sweep also expires the ones nobody reads, so their
  // requests are rejected and their change requests dropped on time.
  every(30_000, 'approval sweep', () =>
    Promise.all([policies.approvals.expireDueApprovals(), policies.approvals.dispatchResolvedApprovals()]),
  )
  // Expired challenges and unused userAction tokens are deleted, so unanswered auth state cannot pile up.
  every(60_000, 'auth state sweep', () => auth.service.purgeExpired())
  every(3_600_000, 'webhook retention', () => webhooks.service.purgeExpiredEvents())
  // Signature requests whose node stopped mid-signing are ended Failed by whichever node looks
  // first: once at start, then periodically (conditional updates).
  const failInterrupted = every(INTERRUPTED_SWEEP_MS, 'interrupted signature sweep', async () => {
    const ended = await wallets.signatures.failInterrupted()
    if (ended > 0) app.log.warn({ ended }, 'interrupted signature requests ended Failed')
  })
  app.addHook('onReady', async () => {
    void failInterrupted()
    await history.start()
  })
  // Handlers are registered while the modules are built above; the timer starts once the app is ready.
  if (deps.runJobs ?? true) app.addHook('onReady', async () => jobs.start())

  // --- the emulator controls (development) ----------------------------------------------------------
  let emulator: EmulatorControls | undefined
  if (emulatorHooks && deps.operatorToken !== undefined) {
    const runJobs = deps.runJobs ?? true
    emulator = await mountEmulatorControls(app, {
      token: deps.operatorToken,
      database: deps.database,
      clock,
      evm,
      logger: app.log,
      hooks: emulatorHooks,
      mailbox,
      // A move of the clock expires the approvals now due (so their requests are rejected at once,
      // not at the next sweep) and wakes the job runner (retries due).
      afterClockMove: async () => {
        await policies.approvals.expireDueApprovals()
        await policies.approvals.dispatchResolvedApprovals()
        jobs.wake()
      },
      state: {
        pauseJobs: async () => {
          if (runJobs) await jobs.stop()
        },
        resumeJobs: () => {
          if (runJobs) jobs.start()
        },
        // Every cache of database state walletd keeps in memory (see the emulator README).
        clearCaches: () => {
          plans.service.clearCache()
          auth.service.context.tokens.clearCache()
          permissions.operations.clearCache()
          policies.clearCache()
          rateLimit?.clearCounters()
          mailbox?.clear()
        },
      },
      auth: auth.service,
      permissions: permissions.service,
      policies,
      plans: plans.service,
      wallets,
      keyStore,
    })
  }

  app.addHook('onClose', async () => {
    await jobs.stop()
    mailTransport?.close()
    for (const timer of timers) clearInterval(timer)
    await recorder.close()
  })

  return Object.assign(app as unknown as FastifyInstance, {
    walletd: {
      errorRecorder: recorder,
      schemaCompilers,
      auth: auth.service,
      policies,
      plans: plans.service,
      permissions: permissions.service,
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
