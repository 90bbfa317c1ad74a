import { randomBytes } from 'node:crypto'
import { type App, type AppDeps, buildApp } from '../../src/app.ts'
import { ManualClock } from '../../src/clock.ts'
import { type Config, type ConfigInput, loadConfig } from '../../src/config.ts'
import { SecretBox } from '../../src/custody/secret-box.ts'
import { createTestDatabase, type TestDatabase } from './database.ts'

export interface TestApp {
  readonly app: App
  readonly config: Config
  readonly database: TestDatabase
  readonly clock: ManualClock
  /** The operator token of the `/emulator/…` controls (development profile). */
  readonly operatorToken: string
  close(): Promise<void>
}

/** A walletd app on a fresh database with a hand-moved clock; nothing is shared between tests. */
export async function createTestApp(
  options: { config?: ConfigInput; deps?: Partial<AppDeps> } = {},
): Promise<TestApp> {
  const database = await createTestDatabase()
  const clock = new ManualClock(Date.parse('2026-01-01T00:00:00.000Z'))
  const config = loadConfig({ dataDir: '/nonexistent-test-data-dir', ...options.config }, {})
  const secrets = new SecretBox(randomBytes(32))
  const operatorToken = randomBytes(24).toString('base64url')
  const app = await buildApp(config, {
    database,
    clock,
    secrets,
    logger: false,
    operatorToken,
    ...options.deps,
  })
  await app.ready()
  return {
    app,
    config,
    database,
    clock,
    operatorToken,
    close: async () => {
      await app.close()
      await database.dispose()
    },
  }
}
