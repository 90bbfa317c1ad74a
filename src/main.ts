import fs from 'node:fs'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { buildApp } from './app.ts'
import { createDevChain, type DevChain } from './chains/dev-chain/supervisor.ts'
import { evmNetwork } from './chains/evm/endpoints.ts'
import { autoBootstrap, connectInstructions, runBootstrapCommand } from './cli/bootstrap.ts'
import { emulatorUsage, runEmulatorCommand } from './cli/emulator.ts'
import { runErrorsCommand } from './cli/errors.ts'
import { openForCommand, runMasterKeyCommand } from './cli/master-key.ts'
import { runOrgPlanCommand } from './cli/org-plan.ts'
import { OffsetClock, systemClock } from './clock.ts'
import { type Config, ConfigError, type ConfigInput, DEFAULT_PORT, loadConfig } from './config.ts'
import { MasterKeyError } from './custody/secret-box.ts'
import { emulatorInstructions } from './domains/emulator/instructions.ts'
import { loadOperatorToken } from './domains/emulator/operator-token.ts'
import { AppError } from './errors.ts'

const usage = `walletd — a self-hostable server for the Dfns API

Usage:
  walletd start [options]          run the server (migrates the database first)
  walletd migrate [options]        apply database migrations and exit
  walletd bootstrap [--json]       create an org and its root service account; print its credentials
  walletd errors show <id>         print what walletd recorded about an error id
  walletd org plan <orgId> [--plan Developer|Enterprise] [--enable <f>] [--disable <f>]
                   [--rate-limit <n>] [--webhooks <n>] [--json]
                                   show or change an org's plan (features and rate limit)
  walletd master-key rotate [--new-key-file <path>]
                                   re-seal every secret under a new master key (nodes stopped;
                                   or give the new key in WALLETD_NEW_MASTER_KEY)
  walletd emulator <control> …     the emulator's controls on a running walletd (development
                                   profile): clock, mailbox, faults, journal, seed, reset,
                                   snapshots; "walletd emulator help" lists them

Options (each also settable by environment variable, see the README):
  --host <addr>            listen address (default 127.0.0.1)
  --port <n>               listen port (default ${DEFAULT_PORT})
  --data-dir <dir>         data directory for SQLite and key files (default ./walletd-data)
  --database-url <url>     PostgreSQL connection string (default: SQLite in the data dir)
  --redis-url <url>        Redis for state shared between nodes
  --region <name>          this deployment's region name (default local)
  --log-level <level>      fatal|error|warn|info|debug|trace (default info)
  --no-dev-chain           do not run the local dev chain (Anvil) for EVM networks without an RPC URL
  --profile <name>         development (default: emulator controls) | production (webhook SSRF guard on)
  --seed <file.json>       start from this seed (development profile; schemas/seed.schema.json);
                           what it created (ids, tokens, keys) is written to <data-dir>/seeded.json
  -h, --help               show this help
`

const options = {
  host: { type: 'string' },
  port: { type: 'string' },
  'data-dir': { type: 'string' },
  'database-url': { type: 'string' },
  'redis-url': { type: 'string' },
  region: { type: 'string' },
  'log-level': { type: 'string' },
  'no-dev-chain': { type: 'boolean' },
  profile: { type: 'string' },
  // walletd start --seed <file>
  seed: { type: 'string' },
  json: { type: 'boolean' },
  // walletd org plan
  plan: { type: 'string' },
  enable: { type: 'string', multiple: true },
  disable: { type: 'string', multiple: true },
  'rate-limit': { type: 'string' },
  webhooks: { type: 'string' },
  // walletd master-key rotate
  'new-key-file': { type: 'string' },
  // walletd emulator: the running walletd's base URL (default: the public URL)
  url: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const

type Flags = ReturnType<typeof parseArgs<{ options: typeof options; allowPositionals: true }>>['values']

function configFrom(flags: Flags) {
  const input: ConfigInput = {
    host: flags.host,
    port: flags.port,
    dataDir: flags['data-dir'],
    databaseUrl: flags['database-url'],
    redisUrl: flags['redis-url'],
    region: flags.region,
    logLevel: flags['log-level'],
    ...(flags['no-dev-chain'] ? { devChain: 'false' } : {}),
    profile: flags.profile,
  }
  return loadConfig(input)
}

export async function main(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof options; allowPositionals: true }>>
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true })
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${usage}`)
    return 2
  }
  const [command, ...rest] = parsed.positionals
  if (parsed.values.help || !command) {
    process.stdout.write(usage)
    return command || parsed.values.help ? 0 : 2
  }
  try {
    switch (command) {
      case 'start':
        return await start(parsed.values)
      case 'migrate':
        return await migrate(parsed.values)
      case 'bootstrap':
        return await runBootstrapCommand(configFrom(parsed.values), { json: parsed.values.json ?? false })
      case 'errors':
        return await runErrorsCommand(configFrom(parsed.values), rest, { json: parsed.values.json ?? false })
      case 'org':
        return await runOrgPlanCommand(configFrom(parsed.values), rest, {
          ...parsed.values,
          rateLimit: parsed.values['rate-limit'],
        })
      case 'master-key':
        return await runMasterKeyCommand(configFrom(parsed.values), rest, {
          newKeyFile: parsed.values['new-key-file'],
          now: systemClock.now(),
        })
      case 'emulator':
        if (rest[0] === 'help' || rest.length === 0) {
          process.stdout.write(`${emulatorUsage}\n`)
          return rest.length === 0 ? 2 : 0
        }
        return await runEmulatorCommand(configFrom(parsed.values), rest, { url: parsed.values.url })
      default:
        process.stderr.write(`unknown command ${JSON.stringify(command)}\n\n${usage}`)
        return 2
    }
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`configuration error: ${err.message}\n`)
      return 2
    }
    if (err instanceof MasterKeyError) {
      process.stderr.write(`master key error: ${err.message}\n`)
      return 2
    }
    throw err
  }
}

async function migrate(flags: Flags): Promise<number> {
  const config = configFrom(flags)
  const { database, applied } = await openForCommand(config, { needsKey: false, now: systemClock.now() })
  try {
    process.stdout.write(
      applied.length ? `applied ${applied.join(', ')} on ${database.location}\n` : 'database is up to date\n',
    )
    return 0
  } finally {
    await database.close()
  }
}

/**
 * The dev chain runs the listed EVM networks that have no RPC URL configured, in the development
 * profile only: a production deployment never starts one, whatever the other settings say.
 */
function devChainFor(config: Config): DevChain | undefined {
  if (!config.devChain || config.profile === 'production') return undefined
  const networks = config.devChainNetworks
    .filter((name) => !config.rpcUrls[name])
    .map((name) => ({ network: name, chainId: evmNetwork(name, 'dev chain networks').chainId }))
  if (networks.length === 0) return undefined
  return createDevChain({ dataDir: config.dataDir, networks })
}

/** The seed of `walletd start --seed`: 0, or the exit code after saying what is wrong with it. */
async function startFromSeed(
  app: Awaited<ReturnType<typeof buildApp>>,
  config: Config,
  file: string,
  devChain: DevChain | undefined,
): Promise<number> {
  if (!app.walletd.emulator) throw new ConfigError('--seed needs the development profile')
  let input: unknown
  try {
    input = JSON.parse(fs.readFileSync(file, 'utf8'))
  } catch (err) {
    throw new ConfigError(`--seed ${file}: ${(err as Error).message}`)
  }
  // Balances and the seed's saved state need the dev chain up.
  devChain?.start()
  try {
    const result = await app.walletd.emulator.seed(input, { reuse: true })
    const out = path.join(config.dataDir, SEEDED_FILE)
    if (result.outcome !== 'present') {
      fs.mkdirSync(config.dataDir, { recursive: true })
      fs.writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`, { mode: 0o600 })
      fs.chmodSync(out, 0o600)
    }
    app.log.info(
      { seed: file, outcome: result.outcome, orgs: result.orgs.map((o) => o.orgId), seeded: out },
      `seed ${file} ${result.outcome}: ${result.orgs.length} org(s); ids, tokens and keys in ${out}`,
    )
    return 0
  } catch (err) {
    if (!(err instanceof AppError) || err.status >= 500) throw err
    const field = typeof err.details?.field === 'string' ? ` (at ${err.details.field})` : ''
    process.stderr.write(`seed error in ${file}${field}: ${err.message}\n`)
    return 2
  }
}

/** What `walletd start --seed` created, for a CI script to read (like bootstrap.json). */
const SEEDED_FILE = 'seeded.json'

/** How long after listening the dev chain starts and route schemas start compiling in the background. */
const BACKGROUND_START_MS = 250

/** How long in-flight requests get to finish after SIGINT/SIGTERM before their connections are cut. */
const SHUTDOWN_GRACE_MS = 25_000

async function start(flags: Flags): Promise<number> {
  const config = configFrom(flags)
  // Before the database is touched: a missing or malformed token is a configuration error (exit 2).
  const operator = loadOperatorToken(config)
  // Migrates, and refuses a master key other than the deployment's before anything listens.
  const { database, secrets } = await openForCommand(config, { needsKey: true, now: systemClock.now() })
  let app: Awaited<ReturnType<typeof buildApp>> | undefined
  let bootstrapped: Awaited<ReturnType<typeof autoBootstrap>>
  let devChain: DevChain | undefined
  // Development: the wall clock plus an offset the emulator's clock control moves.
  const clock = config.profile === 'development' ? new OffsetClock() : systemClock
  try {
    devChain = devChainFor(config)
    app = await buildApp(config, {
      database,
      clock,
      secrets,
      devChain,
      operatorToken: operator?.token,
    })
    // Before listening, so bootstrap.json exists once the server answers.
    bootstrapped = await autoBootstrap(app, config, database.db, { clock })
    // The empty state reset returns to, then the seed: both before anything is answered.
    await app.walletd.emulator?.state.init()
    if (flags.seed !== undefined) {
      const seeded = await startFromSeed(app, config, flags.seed, devChain)
      if (seeded !== 0) {
        await app.close()
        await devChain?.stop()
        await database.close()
        return seeded
      }
    }
  } catch (err) {
    await app?.close()
    await devChain?.stop()
    await database.close()
    throw err
  }
  const nextSignal = () =>
    new Promise<NodeJS.Signals>((resolve) => {
      const on = (signal: NodeJS.Signals) => () => {
        process.off('SIGINT', onInt)
        process.off('SIGTERM', onTerm)
        resolve(signal)
      }
      const onInt = on('SIGINT')
      const onTerm = on('SIGTERM')
      process.once('SIGINT', onInt)
      process.once('SIGTERM', onTerm)
    })
  const stopSignal = nextSignal()

  let address: string
  try {
    address = await app.listen({ host: config.host, port: config.port })
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    const reason =
      code === 'EADDRINUSE'
        ? `port ${config.port} on ${config.host} is already in use; choose another with --port or WALLETD_PORT`
        : code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND'
          ? `cannot listen on host ${config.host}; choose another with --host or WALLETD_HOST`
          : (err as Error).message
    process.stderr.write(`walletd cannot start: ${reason}\n`)
    await app.close()
    await devChain?.stop()
    await database.close()
    return 1
  }
  app.log.info(
    {
      address,
      database: database.location,
      dataDir: config.dataDir,
      region: config.region,
      profile: config.profile,
    },
    `walletd listening on ${address} (database: ${database.location}, profile: ${config.profile}). ` +
      `Point the Dfns SDK at it: new DfnsApiClient({ baseUrl: '${address}', orgId, authToken, signer })` +
      (operator ? `. ${emulatorInstructions(address, operator)}` : ''),
  )
  if (bootstrapped) {
    process.stdout.write(
      `\nFirst start: created org ${bootstrapped.result.orgId} and its root service account; ` +
        `credentials written to ${bootstrapped.file} (mode 0600).\n\n` +
        connectInstructions(address, bootstrapped.result, bootstrapped.file) +
        (operator ? `\n${emulatorInstructions(address, operator)}\n` : ''),
    )
  }
  // In the background, a moment after listening: spawning the dev chain holds the event loop until
  // its process runs (which then boots on the same cores), and the warm-up's first step builds Ajv.
  // A client that waited for the port (a health check, a script polling for readiness) is answered
  // first instead of queueing behind them (BENCHMARKS.md). Requests that need the chain wait for it;
  // route schemas compile on first use meanwhile.
  const background = setTimeout(() => {
    devChain?.start()
    // Route schemas compile lazily (start-up time); compile the rest now, between requests.
    void app.walletd.schemaCompilers.warmUp((err) =>
      app.log.error({ err }, 'a route schema does not compile'),
    )
  }, BACKGROUND_START_MS)
  for (const { network } of devChain?.networks ?? []) {
    devChain
      ?.rpcUrl(network)
      .then((rpcUrl) => app.log.info({ network, rpcUrl }, `dev chain for ${network} at ${rpcUrl}`))
      .catch(() => undefined)
  }
  // Errors past the retention are deleted on writes; this catches a deployment that stays quiet.
  app.walletd.errorRecorder.prune().catch((err) => app.log.warn({ err }, 'could not prune old error rows'))

  const signal = await stopSignal
  // Stopped within that moment: the chain starts anyway, as what closes the app waits for it (the
  // chain followers wait for its RPC URL); the warm-up is skipped.
  clearTimeout(background)
  devChain?.start()
  // SIGTERM comes from an orchestrator or a load-balanced deployment: drain first. Ctrl-C (SIGINT)
  // is a person at a terminal: stop at once. A second signal ends the drain early.
  if (signal === 'SIGTERM' && config.drainMs > 0) {
    app.walletd.startDraining()
    app.log.info(
      { signal, drainMs: config.drainMs },
      `walletd draining: /readyz answers 503 for ${config.drainMs} ms while requests are still served`,
    )
    let drained: NodeJS.Timeout | undefined
    await Promise.race([
      nextSignal(),
      new Promise((resolve) => {
        drained = setTimeout(resolve, config.drainMs)
      }),
    ])
    clearTimeout(drained)
  }
  app.log.info({ signal }, 'walletd stopping: finishing in-flight requests')
  // A second signal, or the grace period running out, cuts the connections still open.
  const cut = () => {
    app.log.warn('walletd stopping now: closing connections with requests still in flight')
    app.server.closeAllConnections()
  }
  process.once('SIGINT', cut)
  process.once('SIGTERM', cut)
  const grace = setTimeout(cut, SHUTDOWN_GRACE_MS)
  grace.unref()
  try {
    await app.close()
    await devChain?.stop()
    await database.close()
  } catch (err) {
    app.log.error({ err }, 'walletd did not stop cleanly')
    return 1
  } finally {
    clearTimeout(grace)
  }
  app.log.info('walletd stopped')
  return 0
}
