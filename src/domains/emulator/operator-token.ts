import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { type Config, ConfigError } from '../../config.ts'

export const OPERATOR_TOKEN_ENV = 'WALLETD_OPERATOR_TOKEN'
export const OPERATOR_TOKEN_FILE = 'operator-token'

/** The deployment-level credential of the `/emulator/…` controls, and where it came from. */
export interface OperatorToken {
  readonly token: string
  /** What the connect instructions name: the environment variable or the file. */
  readonly source: { readonly env: string } | { readonly file: string }
}

/** Short enough to type, long enough that guessing it over HTTP is hopeless. */
const MIN_LENGTH = 24

/**
 * The operator token of a development deployment. `WALLETD_OPERATOR_TOKEN` wins; otherwise it is
 * read from `<data-dir>/operator-token`, created (mode 0600, 32 random bytes, base64url) on first
 * start. With PostgreSQL the variable is required: several nodes share that database and must
 * accept the same token, and a file in one node's data dir cannot promise that. The production
 * profile has no emulator controls, so no token (and the variable is refused by `loadConfig`).
 */
export function loadOperatorToken(
  config: Config,
  env: NodeJS.ProcessEnv = process.env,
): OperatorToken | undefined {
  if (config.profile === 'production') return undefined
  const fromEnv = env[OPERATOR_TOKEN_ENV]
  if (fromEnv) {
    if (fromEnv.length < MIN_LENGTH || /\s/.test(fromEnv)) {
      throw new ConfigError(`${OPERATOR_TOKEN_ENV} must be at least ${MIN_LENGTH} characters without spaces`)
    }
    return { token: fromEnv, source: { env: OPERATOR_TOKEN_ENV } }
  }
  if (config.databaseUrl !== undefined) {
    throw new ConfigError(
      `with PostgreSQL, set ${OPERATOR_TOKEN_ENV} (at least ${MIN_LENGTH} characters): every node must accept the same operator token`,
    )
  }
  const file = path.join(config.dataDir, OPERATOR_TOKEN_FILE)
  const read = () => {
    const token = fs.readFileSync(file, 'utf8').trim()
    if (token.length < MIN_LENGTH)
      throw new ConfigError(`${file} holds no usable operator token; delete it to get a new one`)
    return { token, source: { file } }
  }
  try {
    return read()
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
  }
  fs.mkdirSync(config.dataDir, { recursive: true })
  try {
    // 'wx' fails if another process created the file in the meantime; then read theirs.
    fs.writeFileSync(file, `${randomBytes(32).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' })
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
  }
  return read()
}

/**
 * The token a `walletd emulator …` command sends: the variable, else the file a running walletd
 * created. Never creates one (a new token would not be the server's).
 */
export function readOperatorToken(config: Config, env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env[OPERATOR_TOKEN_ENV]
  if (fromEnv) return fromEnv
  const file = path.join(config.dataDir, OPERATOR_TOKEN_FILE)
  try {
    return fs.readFileSync(file, 'utf8').trim()
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
    throw new ConfigError(
      `no operator token: set ${OPERATOR_TOKEN_ENV}, or point --data-dir at the data directory of the running walletd (${file} does not exist)`,
    )
  }
}
