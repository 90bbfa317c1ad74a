import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import type { Config } from '../config.ts'
import { signerAssociatedData } from '../custody/import-signer.ts'
import { keyAssociatedData, resealCustodyKeys } from '../custody/key-store.ts'
import type { KeyType } from '../custody/key-types.ts'
import {
  findMasterKey,
  loadMasterKey,
  MASTER_KEY_ENV,
  MASTER_KEY_FILE,
  MasterKeyError,
  masterKeyOptions,
  parseMasterKey,
  SecretBox,
} from '../custody/secret-box.ts'
import {
  type DatabaseHandle,
  type Db,
  databaseTargetFor,
  migrateToLatest,
  openDatabase,
} from '../db/database.ts'
import { createSigningKeyRepository, resealSigningKeys } from '../domains/auth/index.ts'
import { signingKeyAssociatedData } from '../domains/auth/services/token-service.ts'
import { resealWebhookSecrets } from '../domains/webhooks/secrets.ts'

const CHECK_ID = 'master'
const CHECK_AAD = 'master-key-check:v1'
const CHECK_PLAINTEXT = Buffer.from('walletd master key check')

export const NEW_MASTER_KEY_ENV = 'WALLETD_NEW_MASTER_KEY'

function opens(secrets: SecretBox, sealed: string, aad: string): boolean {
  try {
    secrets.open(sealed, aad).fill(0)
    return true
  } catch {
    return false
  }
}

function mismatch(source: string): MasterKeyError {
  return new MasterKeyError(
    `the master key (from ${source}) does not match the key this database was sealed with; ` +
      `give walletd the deployment's key in ${MASTER_KEY_ENV} or <data-dir>/${MASTER_KEY_FILE}`,
  )
}

/**
 * Refuses a master key other than the deployment's. The database holds one value sealed with the
 * key (`master_key_check`); a database sealed before that row existed is checked against its
 * sealed secrets instead, and gets the row when `record` is set (the commands that seal secrets:
 * start, bootstrap). When two nodes with different keys start together on an empty database, both
 * insert, one wins, and the other fails the re-check.
 */
export async function checkMasterKey(
  db: Db,
  secrets: SecretBox,
  source: string,
  options: { record: boolean; now: Date },
): Promise<void> {
  const row = await db
    .selectFrom('master_key_check')
    .select('sealed')
    .where('id', '=', CHECK_ID)
    .executeTakeFirst()
  if (row) {
    if (!opens(secrets, row.sealed, CHECK_AAD)) throw mismatch(source)
    return
  }
  const signing = await db
    .selectFrom('signing_keys')
    .select(['purpose', 'kid', 'sealed_private_key'])
    .limit(1)
    .executeTakeFirst()
  if (signing && !opens(secrets, signing.sealed_private_key, signingKeyAssociatedData(signing))) {
    throw mismatch(source)
  }
  const signer = await db
    .selectFrom('custody_signers')
    .select(['signer_id', 'sealed_private_key'])
    .limit(1)
    .executeTakeFirst()
  if (signer && !opens(secrets, signer.sealed_private_key, signerAssociatedData(signer.signer_id))) {
    throw mismatch(source)
  }
  const key = await db
    .selectFrom('custody_keys')
    .select(['key_id', 'org_id', 'scheme', 'curve', 'sealed_private_key'])
    .limit(1)
    .executeTakeFirst()
  if (
    key &&
    !opens(
      secrets,
      key.sealed_private_key,
      keyAssociatedData({ orgId: key.org_id, keyId: key.key_id }, {
        scheme: key.scheme,
        curve: key.curve,
      } as KeyType),
    )
  ) {
    throw mismatch(source)
  }
  if (!options.record) return
  await db
    .insertInto('master_key_check')
    .values({
      id: CHECK_ID,
      sealed: secrets.seal(CHECK_PLAINTEXT, CHECK_AAD),
      date_updated: options.now.toISOString(),
    })
    .onConflict((oc) => oc.column('id').doNothing())
    .execute()
  await checkMasterKey(db, secrets, source, { record: false, now: options.now })
}

/**
 * Opens and migrates the configured database for a command, then checks the master key.
 * `needsKey`: the command seals or opens secrets (start, bootstrap), so the key is loaded, created
 * on a first start, and recorded. Otherwise the key is checked only when one is configured, and
 * never created: `walletd migrate` run from a machine without the key must not seal the
 * deployment's check with a key of its own.
 */
export async function openForCommand<NeedsKey extends boolean>(
  config: Config,
  options: { needsKey: NeedsKey; now: Date },
): Promise<{
  database: DatabaseHandle
  secrets: NeedsKey extends true ? SecretBox : SecretBox | undefined
  applied: string[]
}> {
  const database = openDatabase(databaseTargetFor(config))
  try {
    const applied = await migrateToLatest(database)
    let secrets: SecretBox | undefined
    if (options.needsKey) {
      const existing = findMasterKey(config.dataDir, process.env, masterKeyOptions(config))
      const key = existing?.key ?? loadMasterKey(config.dataDir, process.env, masterKeyOptions(config))
      secrets = new SecretBox(key)
      await checkMasterKey(database.db, secrets, existing?.source ?? `${config.dataDir}/${MASTER_KEY_FILE}`, {
        record: true,
        now: options.now,
      })
    } else {
      const found = findMasterKey(config.dataDir, process.env, masterKeyOptions(config))
      if (found) {
        secrets = new SecretBox(found.key)
        await checkMasterKey(database.db, secrets, found.source, { record: false, now: options.now })
      }
    }
    return {
      database,
      secrets: secrets as NeedsKey extends true ? SecretBox : SecretBox | undefined,
      applied,
    }
  } catch (err) {
    await database.close()
    throw err
  }
}

export interface RotationReport {
  /** Custody keys and import signers re-sealed under the new key. */
  custody: number
  /** Token-signing keys re-sealed under the new key. */
  signingKeys: number
  /** Webhook signing secrets re-sealed under the new key. */
  webhookSecrets: number
}

/**
 * Re-seals every secret of the database under `next`, and the key check with it, in one
 * transaction: a crash or an error at any point leaves everything under `current`. The nodes must
 * be stopped: a node still running with the old key would seal new material with it.
 */
export async function rotateMasterKey(
  db: Db,
  current: SecretBox,
  next: SecretBox,
  now: Date,
): Promise<RotationReport> {
  return db.transaction().execute(async (trx) => {
    const custody = await resealCustodyKeys({ db: trx, secrets: next, previousSecrets: current })
    const signing = await resealSigningKeys({
      keys: createSigningKeyRepository(trx),
      secrets: next,
      previousSecrets: current,
    })
    const webhooks = await resealWebhookSecrets({ db: trx, secrets: next, previousSecrets: current })
    const unreadable = [...custody.unreadable, ...signing.unreadable, ...webhooks.unreadable]
    if (unreadable.length > 0) {
      throw new MasterKeyError(
        `${unreadable.length} sealed secret(s) open under neither key (${unreadable.slice(0, 10).join(', ')}); nothing was changed`,
      )
    }
    await trx
      .insertInto('master_key_check')
      .values({
        id: CHECK_ID,
        sealed: next.seal(CHECK_PLAINTEXT, CHECK_AAD),
        date_updated: now.toISOString(),
      })
      .onConflict((oc) =>
        oc
          .column('id')
          .doUpdateSet({ sealed: next.seal(CHECK_PLAINTEXT, CHECK_AAD), date_updated: now.toISOString() }),
      )
      .execute()
    return { custody: custody.resealed, signingKeys: signing.resealed, webhookSecrets: webhooks.resealed }
  })
}

/** The new key: from WALLETD_NEW_MASTER_KEY, or a file (created with a fresh random key, 0600, if absent). */
function newMasterKey(file: string | undefined, env: NodeJS.ProcessEnv): { key: Buffer; source: string } {
  const fromEnv = env[NEW_MASTER_KEY_ENV]
  if (fromEnv && file) {
    throw new MasterKeyError(`give the new master key in ${NEW_MASTER_KEY_ENV} or --new-key-file, not both`)
  }
  if (fromEnv) return { key: parseMasterKey(fromEnv, NEW_MASTER_KEY_ENV), source: NEW_MASTER_KEY_ENV }
  if (!file) {
    throw new MasterKeyError(
      `the new master key is missing: set ${NEW_MASTER_KEY_ENV} or pass --new-key-file <path>`,
    )
  }
  try {
    fs.writeFileSync(file, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' })
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw new MasterKeyError(`cannot write the new master key file ${file}: ${(err as Error).message}`)
    }
  }
  return { key: parseMasterKey(fs.readFileSync(file, 'utf8').trim(), file), source: file }
}

/** `walletd master-key rotate [--new-key-file <path>]`. */
export async function runMasterKeyCommand(
  config: Config,
  args: string[],
  options: { newKeyFile: string | undefined; now: Date },
): Promise<number> {
  if (args[0] !== 'rotate' || args.length !== 1) {
    process.stderr.write(
      'usage: walletd master-key rotate [--new-key-file <path>]  (or WALLETD_NEW_MASTER_KEY)\n',
    )
    return 2
  }
  const env = process.env
  const current = findMasterKey(config.dataDir, env, masterKeyOptions(config))
  if (!current) {
    throw new MasterKeyError(
      `no master key to rotate from: set ${MASTER_KEY_ENV} or put the current key in ${config.dataDir}/${MASTER_KEY_FILE}`,
    )
  }
  const next = newMasterKey(options.newKeyFile, env)
  if (next.key.equals(current.key)) throw new MasterKeyError('the new master key is the current one')
  const { database, secrets } = await openForCommand(config, { needsKey: false, now: options.now })
  try {
    const report = await rotateMasterKey(
      database.db,
      secrets as SecretBox,
      new SecretBox(next.key),
      options.now,
    )
    process.stdout.write(
      `Re-sealed ${report.custody} custody secret(s), ${report.signingKeys} token-signing key(s) and ` +
        `${report.webhookSecrets} webhook secret(s) under the new ` +
        `master key (from ${next.source}), in one transaction.\n` +
        `The database now opens only with the new key. Before starting walletd again, replace the key in ` +
        `${current.source} on every node with the new one; nodes started with the old key refuse to run.\n`,
    )
    return 0
  } finally {
    await database.close()
  }
}
