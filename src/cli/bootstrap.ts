import fs from 'node:fs'
import path from 'node:path'
import type { App } from '../app.ts'
import { type Clock, systemClock } from '../clock.ts'
import type { Config } from '../config.ts'
import { type Db, isUniqueViolation } from '../db/database.ts'
import { type BootstrapResult, createAuthModule } from '../domains/auth/index.ts'
import { commandMailer } from '../mail/index.ts'
import { openForCommand } from './master-key.ts'

export const BOOTSTRAP_FILE = 'bootstrap.json'

/**
 * `walletd bootstrap [--json]`: create a new org with a root service account on the configured
 * database and print its credentials. With --json, stdout is exactly one JSON object:
 * {"orgId","serviceAccount":{"userId","tokenId","credId","accessToken","privateKey"}}.
 * Every run makes another, separate org.
 */
export async function runBootstrapCommand(config: Config, options: { json: boolean }): Promise<number> {
  const { database, secrets } = await openForCommand(config, { needsKey: true, now: systemClock.now() })
  try {
    const { service: auth } = createAuthModule({
      db: database.db,
      clock: systemClock,
      secrets,
      config,
      mailer: commandMailer(config, systemClock),
    })
    const result = await auth.bootstrapOrg()
    if (options.json) process.stdout.write(`${JSON.stringify(result)}\n`)
    else {
      process.stdout.write(
        `Created org ${result.orgId} with root service account ${result.serviceAccount.userId}.\n` +
          `Keep the access token and private key below secret: walletd keeps no copy of the key.\n\n` +
          `${JSON.stringify(result, null, 2)}\n\n${connectInstructions(config.publicUrl, result)}`,
      )
    }
    return 0
  } finally {
    await database.close()
  }
}

/**
 * On `walletd start` with an empty database: bootstrap one org and write its credentials to
 * `<data-dir>/bootstrap.json` (mode 0600). Returns undefined when the database already has an org,
 * or when another node starting on the same database at the same time claimed the bootstrap.
 * A claim left by a node that died before finishing is taken over after `staleClaimMs`.
 */
export async function autoBootstrap(
  app: App,
  config: Config,
  db: Db,
  options: { clock: Clock; staleClaimMs?: number },
): Promise<{ file: string; result: BootstrapResult } | undefined> {
  if (await app.walletd.auth.context.repos.orgs.anyOrg()) return undefined
  const now = options.clock.now()
  const staleBefore = new Date(now.getTime() - (options.staleClaimMs ?? 5 * 60_000)).toISOString()
  await db
    .deleteFrom('first_start_claims')
    .where('task', '=', 'bootstrap')
    .where('date_claimed', '<', staleBefore)
    .execute()
  try {
    await db
      .insertInto('first_start_claims')
      .values({ task: 'bootstrap', date_claimed: now.toISOString() })
      .execute()
  } catch (err) {
    if (isUniqueViolation(err)) return undefined
    throw err
  }
  let result: BootstrapResult
  try {
    result = await app.walletd.auth.bootstrapOrg()
  } catch (err) {
    await db.deleteFrom('first_start_claims').where('task', '=', 'bootstrap').execute()
    throw err
  }
  fs.mkdirSync(config.dataDir, { recursive: true })
  const file = path.join(config.dataDir, BOOTSTRAP_FILE)
  fs.writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`, { mode: 0o600 })
  fs.chmodSync(file, 0o600)
  return { file, result }
}

export function connectInstructions(baseUrl: string, result: BootstrapResult, file?: string): string {
  const source = file ? `JSON.parse(fs.readFileSync('${file}', 'utf8'))` : '/* the JSON above */'
  return `Connect with the Dfns SDK:

  import fs from 'node:fs'
  import { DfnsApiClient } from '@dfns/sdk'
  import { AsymmetricKeySigner } from '@dfns/sdk-keysigner'

  const { orgId, serviceAccount } = ${source}
  const dfns = new DfnsApiClient({
    baseUrl: '${baseUrl}',
    orgId, // ${result.orgId}
    authToken: serviceAccount.accessToken,
    signer: new AsymmetricKeySigner({ credId: serviceAccount.credId, privateKey: serviceAccount.privateKey }),
  })
`
}
