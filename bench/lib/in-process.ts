import { randomBytes } from 'node:crypto'
import { DfnsApiClient } from '@dfns/sdk'
import { AsymmetricKeySigner } from '@dfns/sdk-keysigner'
import { type App, buildApp } from '../../src/app.ts'
import { systemClock } from '../../src/clock.ts'
import { type ConfigInput, loadConfig } from '../../src/config.ts'
import { SecretBox } from '../../src/custody/secret-box.ts'
import { openBenchDatabase } from './database.ts'

export interface InProcessWalletd {
  readonly app: App
  readonly baseUrl: string
  /** The official SDK as the root service account of a freshly bootstrapped org. */
  readonly client: DfnsApiClient
  readonly dialect: string
  close(): Promise<void>
}

/**
 * walletd built in this process (buildApp) on a fresh bench database (SQLite temp file, or a schema
 * of DATABASE_URL), listening on a random port with the system clock, and an SDK client for a new
 * org. `config` adds to the minimal configuration (e.g. `rpcUrls`).
 */
export async function startInProcessWalletd(
  name: string,
  config: ConfigInput = {},
): Promise<InProcessWalletd> {
  const { handle, cleanup, dialect } = await openBenchDatabase(name)
  const port = 20_000 + Math.floor(Math.random() * 20_000)
  const baseUrl = `http://127.0.0.1:${port}`
  const loaded = loadConfig(
    { dataDir: '/nonexistent-bench-data-dir', host: '127.0.0.1', port, publicUrl: baseUrl, ...config },
    {},
  )
  const app = await buildApp(loaded, {
    database: handle,
    clock: systemClock,
    secrets: new SecretBox(randomBytes(32)),
    logger: false,
  })
  await app.listen({ host: '127.0.0.1', port })
  const boot = await app.walletd.auth.bootstrapOrg()
  const client = new DfnsApiClient({
    baseUrl,
    orgId: boot.orgId,
    authToken: boot.serviceAccount.accessToken,
    signer: new AsymmetricKeySigner({
      credId: boot.serviceAccount.credId,
      privateKey: boot.serviceAccount.privateKey,
    }),
  })
  return {
    app,
    baseUrl,
    client,
    dialect,
    async close() {
      await app.close()
      await cleanup()
    },
  }
}
