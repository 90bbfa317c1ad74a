import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'

/**
 * Authenticated encryption of secrets at rest (private keys, token signing keys) under the
 * deployment's master key: AES-256-GCM, a fresh 96-bit nonce per message, and associated data that
 * binds each ciphertext to what it belongs to (e.g. `key:<keyId>:org:<orgId>`), so a ciphertext
 * copied to another row does not decrypt.
 *
 * Sealed format (base64url of): version byte 1 | nonce (12) | tag (16) | ciphertext.
 */
export class SecretBox {
  readonly #key: Buffer

  constructor(masterKey: Buffer) {
    if (masterKey.length !== 32) throw new Error('the master key must be 32 bytes')
    this.#key = Buffer.from(masterKey)
  }

  seal(plaintext: Uint8Array, associatedData: string): string {
    const nonce = randomBytes(12)
    const cipher = createCipheriv('aes-256-gcm', this.#key, nonce)
    cipher.setAAD(Buffer.from(associatedData, 'utf8'))
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()])
    return Buffer.concat([Buffer.from([1]), nonce, cipher.getAuthTag(), body]).toString('base64url')
  }

  open(sealed: string, associatedData: string): Buffer {
    const raw = Buffer.from(sealed, 'base64url')
    if (raw.length < 29 || raw[0] !== 1) throw new Error('sealed secret has an unknown format')
    const decipher = createDecipheriv('aes-256-gcm', this.#key, raw.subarray(1, 13))
    decipher.setAAD(Buffer.from(associatedData, 'utf8'))
    decipher.setAuthTag(raw.subarray(13, 29))
    return Buffer.concat([decipher.update(raw.subarray(29)), decipher.final()])
  }

  /** Never print the key, whatever logs or inspects this object. */
  toJSON(): string {
    return '[SecretBox]'
  }
}

/** A master key that is malformed, missing or not the deployment's: an operator error (exit 2), not a bug. */
export class MasterKeyError extends Error {
  override name = 'MasterKeyError'
}

export const MASTER_KEY_ENV = 'WALLETD_MASTER_KEY'
export const MASTER_KEY_FILE = 'master.key'

/**
 * The master key comes from WALLETD_MASTER_KEY (64 hex chars or base64 of 32 bytes) when set, else
 * from `<dataDir>/master.key`, which is created (mode 0600) with 32 random bytes on first start.
 * Every node of a multi-node deployment must be given the same key.
 */
export function loadMasterKey(
  dataDir: string,
  env: NodeJS.ProcessEnv = process.env,
  options: MasterKeyOptions = {},
): Buffer {
  const existing = findMasterKey(dataDir, env, options)
  if (existing) return existing.key
  const file = path.join(dataDir, MASTER_KEY_FILE)
  fs.mkdirSync(dataDir, { recursive: true })
  const key = randomBytes(32)
  try {
    // 'wx' fails if another process created the file in the meantime; then read theirs.
    fs.writeFileSync(file, `${key.toString('hex')}\n`, { mode: 0o600, flag: 'wx' })
    return key
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
    return parseMasterKey(fs.readFileSync(file, 'utf8').trim(), file)
  }
}

/**
 * `envOnly` (the production profile): the key comes from the environment only; no `master.key`
 * file is read or created, since a key lying next to the data it protects suits a laptop, not an
 * operator.
 */
export interface MasterKeyOptions {
  readonly envOnly?: boolean
}

/** The options the configured profile implies. */
export const masterKeyOptions = (config: { readonly profile: string }): MasterKeyOptions => ({
  envOnly: config.profile === 'production',
})

/** Where the master key comes from, without creating one: undefined when neither source is set. */
export function findMasterKey(
  dataDir: string,
  env: NodeJS.ProcessEnv = process.env,
  options: MasterKeyOptions = {},
): { key: Buffer; source: string } | undefined {
  const fromEnv = env[MASTER_KEY_ENV]
  if (fromEnv) return { key: parseMasterKey(fromEnv, MASTER_KEY_ENV), source: MASTER_KEY_ENV }
  if (options.envOnly) {
    throw new MasterKeyError(`the production profile needs the master key in ${MASTER_KEY_ENV}`)
  }
  const file = path.join(dataDir, MASTER_KEY_FILE)
  let text: string
  try {
    text = fs.readFileSync(file, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw new MasterKeyError(`cannot read the master key file ${file}: ${(err as Error).message}`)
  }
  return { key: parseMasterKey(text.trim(), file), source: file }
}

export function parseMasterKey(text: string, source: string): Buffer {
  const key = /^[0-9a-fA-F]{64}$/.test(text) ? Buffer.from(text, 'hex') : Buffer.from(text, 'base64')
  if (key.length !== 32) {
    throw new MasterKeyError(`the master key in ${source} must be 32 bytes (64 hex characters or base64)`)
  }
  return key
}
