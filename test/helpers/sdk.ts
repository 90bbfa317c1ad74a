/**
 * The end-to-end harness: a real walletd listening on 127.0.0.1, driven by the official Dfns SDK.
 *
 *   const w = await startWalletd()               // fresh database (SQLite, or PostgreSQL when
 *                                                // WALLETD_TEST_DATABASE_URL is set), new org
 *   await w.root.wallets.listWallets()          // root: DfnsApiClient of the org's root service
 *                                                // account (DfnsFullAdminAccess), AsymmetricKeySigner
 *   const sa = await w.newServiceAccount()       // another SA (root's permissions unless permissionId)
 *   const pat = await w.newPat()                 // a PAT of root
 *   await w.grant([u.userId], ['Wallets:Read'])  // a new permission, assigned to each identity
 *   const u = await w.newUser()                  // a CustomerEmployee, registered with a Key
 *                                                // credential and logged in with DfnsAuthenticator
 *   const e = await w.newEndUser()               // an EndUser (delegated registration), logged in
 *   w.clock.advance(ms)                          // the server's ManualClock (token expiry, …)
 *   await w.close()                              // always, in `after`/`finally`
 *
 * Each client has `signer` set, so user-action signing happens exactly as against Dfns.
 * `newKey(kind)` makes key pairs of every algorithm the keysigner supports, `KeyCredentialSigner`
 * also implements `create` (Key attestation) for registration.
 * Further nodes on the same database: `w.startNode()`; another org: `w.bootstrapOrg()`.
 */
import {
  createHash,
  sign as cryptoSign,
  generateKeyPairSync,
  type JsonWebKey,
  type KeyObject,
  randomBytes,
} from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { DfnsApiClient, DfnsAuthenticator } from '@dfns/sdk'
import type { UserActionChallenge } from '@dfns/sdk/signer.js'
import type { KeyAttestation } from '@dfns/sdk/store.js'
import { AsymmetricKeySigner } from '@dfns/sdk-keysigner'
import { cose, isoCBOR } from '@simplewebauthn/server/helpers'
import { type App, type AppDeps, buildApp } from '../../src/app.ts'
import { ManualClock } from '../../src/clock.ts'
import { type Config, type ConfigInput, loadConfig } from '../../src/config.ts'
import { SecretBox } from '../../src/custody/secret-box.ts'
import type { DatabaseHandle } from '../../src/db/database.ts'
import type { BootstrapResult } from '../../src/domains/auth/index.ts'
import { createTestDatabase, type TestDatabase } from './database.ts'
import { freePort } from './walletd-process.ts'

export type KeyKind = 'p256' | 'secp256k1' | 'p384' | 'ed25519' | 'rsa'

export interface KeyPair {
  kind: KeyKind
  /** PKCS#8 PEM. */
  privateKey: string
  /** SPKI PEM. */
  publicKey: string
}

export function newKey(kind: KeyKind = 'p256'): KeyPair {
  const pair =
    kind === 'ed25519'
      ? generateKeyPairSync('ed25519')
      : kind === 'rsa'
        ? generateKeyPairSync('rsa', { modulusLength: 2048 })
        : generateKeyPairSync('ec', {
            namedCurve: kind === 'p256' ? 'prime256v1' : kind === 'p384' ? 'secp384r1' : 'secp256k1',
          })
  return {
    kind,
    privateKey: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKey: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  }
}

/** The official client for an org's root service account, from `walletd bootstrap --json` output. */
export function rootClientFrom(baseUrl: string, bootstrap: BootstrapResult): DfnsApiClient {
  const { accessToken, credId, privateKey } = bootstrap.serviceAccount
  return new DfnsApiClient({
    baseUrl,
    orgId: bootstrap.orgId,
    authToken: accessToken,
    signer: new AsymmetricKeySigner({ credId, privateKey }),
  })
}

/** A Key credential held by a test: signs challenges (keysigner) and attests itself (registration). */
export class KeyCredentialSigner {
  readonly credId: string
  readonly key: KeyPair
  readonly #signer: AsymmetricKeySigner

  constructor(key: KeyPair = newKey(), credId = randomBytes(16).toString('base64url')) {
    this.key = key
    this.credId = credId
    this.#signer = new AsymmetricKeySigner({ credId, privateKey: key.privateKey })
  }

  sign(challenge: UserActionChallenge) {
    return this.#signer.sign(challenge)
  }

  /** The Key attestation for a registration or credential challenge. */
  async create(issued: object): Promise<KeyAttestation> {
    const challenge = (issued as { challenge?: unknown }).challenge
    if (typeof challenge !== 'string') throw new Error('a Key credential is created from a challenge')
    const clientData = Buffer.from(
      JSON.stringify({ type: 'key.create', challenge, origin: 'http://localhost', crossOrigin: false }),
    )
    const clientDataHash = createHash('sha256').update(clientData).digest('hex')
    const signed = Buffer.from(JSON.stringify({ clientDataHash, publicKey: this.key.publicKey }))
    const signature = cryptoSign(
      this.key.kind === 'ed25519' ? null : 'sha256',
      signed,
      this.key.privateKey,
    ).toString('hex')
    return {
      credentialKind: 'Key',
      credentialInfo: {
        credId: this.credId,
        clientData: clientData.toString('base64url'),
        attestationData: Buffer.from(JSON.stringify({ publicKey: this.key.publicKey, signature })).toString(
          'base64url',
        ),
      },
    }
  }
}

export interface TokenIdentity {
  client: DfnsApiClient
  /** The user id of a service account, or the PAT's user. */
  userId: string
  tokenId: string
  credId: string
  accessToken: string
  key: KeyPair
}

export interface TestUser {
  client: DfnsApiClient
  userId: string
  username: string
  token: string
  signer: KeyCredentialSigner
}

export interface WalletdNode {
  readonly app: App
  readonly baseUrl: string
  close(): Promise<void>
}

export interface Walletd {
  readonly baseUrl: string
  readonly orgId: string
  readonly app: App
  readonly config: Config
  readonly clock: ManualClock
  readonly database: TestDatabase
  /** The operator token of the `/emulator/…` controls (development profile). */
  readonly operatorToken: string
  /** The bootstrap output: root service account ids, token and PKCS#8 key. */
  readonly bootstrap: BootstrapResult
  readonly root: DfnsApiClient
  /** A DfnsApiClient for this server with the given token and (optionally) signer. */
  client(authToken: string, signer?: { sign: KeyCredentialSigner['sign'] }): DfnsApiClient
  newServiceAccount(options?: {
    name?: string
    permissionId?: string
    keyKind?: KeyKind
  }): Promise<TokenIdentity>
  newPat(options?: { name?: string; keyKind?: KeyKind; by?: DfnsApiClient }): Promise<TokenIdentity>
  /** Create a CustomerEmployee, register a Key credential and log in with DfnsAuthenticator. */
  newUser(options?: { email?: string; keyKind?: KeyKind }): Promise<TestUser>
  /** Root registers an EndUser by delegated registration (Key credential) and logs it in. */
  newEndUser(options?: { email?: string }): Promise<TestUser>
  /** Root creates a permission with these operations and assigns it to each identity. */
  grant(identityIds: readonly string[], operations: string[], name?: string): Promise<void>
  /** Another org on the same server (as a second `walletd bootstrap` would make). */
  bootstrapOrg(): Promise<BootstrapResult>
  /** Another node on the same database, its own clock set to this one's time. */
  startNode(options?: { config?: ConfigInput; deps?: Partial<AppDeps> }): Promise<WalletdNode>
  close(): Promise<void>
}

async function listen(
  database: DatabaseHandle,
  clock: ManualClock,
  secrets: SecretBox,
  configInput: ConfigInput,
  operatorToken: string,
  extraDeps: Partial<AppDeps> = {},
): Promise<{ app: App; config: Config; baseUrl: string }> {
  const port = await freePort()
  const config = loadConfig(
    {
      dataDir: '/nonexistent-test-data-dir',
      host: '127.0.0.1',
      port,
      publicUrl: `http://127.0.0.1:${port}`,
      ...configInput,
    },
    {},
  )
  const app = await buildApp(config, { database, clock, secrets, logger: false, operatorToken, ...extraDeps })
  await app.listen({ host: '127.0.0.1', port })
  return { app, config, baseUrl: `http://127.0.0.1:${port}` }
}

export async function startWalletd(
  options: {
    config?: ConfigInput
    /** Keep SQLite in a temporary file so `startNode` can open it again (PostgreSQL always can). */
    multiNode?: boolean
    /** More of buildApp's dependencies (`runJobs: false`, a resolver), for this node and `startNode`'s. */
    deps?: Partial<AppDeps>
  } = {},
): Promise<Walletd> {
  const sqliteFile = options.multiNode
    ? path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'walletd-test-')), 'walletd.sqlite')
    : undefined
  const database = await createTestDatabase(sqliteFile ? { sqliteFile } : {})
  const clock = new ManualClock(Date.parse('2026-01-01T00:00:00.000Z'))
  const masterKey = randomBytes(32)
  const secrets = new SecretBox(masterKey)
  const operatorToken = randomBytes(24).toString('base64url')
  const { app, config, baseUrl } = await listen(
    database,
    clock,
    secrets,
    options.config ?? {},
    operatorToken,
    options.deps,
  )
  const bootstrap = await app.walletd.auth.bootstrapOrg()
  const orgId = bootstrap.orgId
  const extraNodes: WalletdNode[] = []

  const client = (authToken: string, signer?: { sign: KeyCredentialSigner['sign'] }) =>
    new DfnsApiClient({ baseUrl, orgId, authToken, ...(signer ? { signer } : {}) })
  const root = rootClientFrom(baseUrl, bootstrap)
  let counter = 0

  return {
    baseUrl,
    orgId,
    app,
    config,
    clock,
    database,
    operatorToken,
    bootstrap,
    root,
    client,
    async grant(identityIds, operations, name) {
      const permission = await root.permissions.createPermission({
        body: {
          name: name ?? `grant-${++counter}-${randomBytes(3).toString('hex')}`,
          operations: operations as never,
        },
      })
      for (const identityId of identityIds) {
        await root.permissions.createAssignment({ permissionId: permission.id, body: { identityId } })
      }
    },
    async newServiceAccount(opts = {}) {
      const key = newKey(opts.keyKind)
      const sa = await root.auth.createServiceAccount({
        body: {
          name: opts.name ?? `sa-${++counter}-${randomBytes(3).toString('hex')}`,
          publicKey: key.publicKey,
          ...(opts.permissionId ? { permissionId: opts.permissionId } : {}),
        },
      })
      const token = sa.accessTokens[0]!
      return {
        client: client(
          token.accessToken!,
          new AsymmetricKeySigner({ credId: token.credId, privateKey: key.privateKey }),
        ),
        userId: sa.userInfo.userId,
        tokenId: token.tokenId,
        credId: token.credId,
        accessToken: token.accessToken!,
        key,
      }
    },
    async newPat(opts = {}) {
      const key = newKey(opts.keyKind)
      const pat = await (opts.by ?? root).auth.createPersonalAccessToken({
        body: { name: opts.name ?? `pat-${++counter}`, publicKey: key.publicKey },
      })
      return {
        client: client(
          pat.accessToken,
          new AsymmetricKeySigner({ credId: pat.credId, privateKey: key.privateKey }),
        ),
        userId: pat.linkedUserId,
        tokenId: pat.tokenId,
        credId: pat.credId,
        accessToken: pat.accessToken,
        key,
      }
    },
    async newUser(opts = {}) {
      const username = opts.email ?? `user-${++counter}-${randomBytes(3).toString('hex')}@example.com`
      const created = (await root.auth.createUser({
        body: { email: username, kind: 'CustomerEmployee' },
      })) as Awaited<ReturnType<DfnsApiClient['auth']['createUser']>> & { registrationCode: string }
      const signer = new KeyCredentialSigner(newKey(opts.keyKind))
      const authenticator = new DfnsAuthenticator({ baseUrl, signer })
      await authenticator.register({ orgId, username, registrationCode: created.registrationCode })
      const { token } = await authenticator.login({ orgId, username })
      return { client: client(token, signer), userId: created.userId, username, token, signer }
    },
    async newEndUser(opts = {}) {
      const username = opts.email ?? `end-user-${++counter}-${randomBytes(3).toString('hex')}@example.com`
      const challenge = await root.auth.createDelegatedRegistrationChallenge({
        body: { email: username, kind: 'EndUser' },
      })
      const signer = new KeyCredentialSigner(newKey())
      const registered = await client(challenge.temporaryAuthenticationToken).auth.registerEndUser({
        body: { firstFactorCredential: await signer.create(challenge), wallets: [] },
      })
      const token = registered.authentication.token
      return { client: client(token, signer), userId: registered.user.id, username, token, signer }
    },
    bootstrapOrg: () => app.walletd.auth.bootstrapOrg(),
    async startNode(nodeOptions = {}) {
      const nodeClock = new ManualClock(clock.now())
      const handle = database.openAnother()
      const node = await listen(
        handle,
        nodeClock,
        new SecretBox(masterKey),
        nodeOptions.config ?? {},
        operatorToken,
        nodeOptions.deps ?? options.deps,
      )
      const started: WalletdNode = {
        app: node.app,
        baseUrl: node.baseUrl,
        close: async () => {
          await node.app.close()
          await handle.close()
        },
      }
      extraNodes.push(started)
      return started
    },
    async close() {
      for (const node of extraNodes) await node.close()
      await app.close()
      await database.dispose()
      if (sqliteFile) fs.rmSync(path.dirname(sqliteFile), { recursive: true, force: true })
    },
  }
}

export interface RawResponse {
  status: number
  // biome-ignore lint/suspicious/noExplicitAny: tests read whatever shape the server answered
  body: any
  headers: Headers
}

/**
 * One HTTP request without the SDK, for what the SDK never sends (no token, a forged user action,
 * a body other than the one signed). `body` is sent as is when a string, else JSON-encoded.
 */
export async function rawRequest(
  baseUrl: string,
  request: {
    method: string
    path: string
    token?: string
    userAction?: string
    body?: unknown
    headers?: Record<string, string>
  },
): Promise<RawResponse> {
  const headers: Record<string, string> = { ...request.headers }
  if (request.token !== undefined) headers.authorization = `Bearer ${request.token}`
  if (request.userAction !== undefined) headers['x-dfns-useraction'] = request.userAction
  let body: string | undefined
  if (request.body !== undefined) {
    body = typeof request.body === 'string' ? request.body : JSON.stringify(request.body)
    headers['content-type'] ??= 'application/json'
  }
  const response = await fetch(new URL(request.path, baseUrl), { method: request.method, headers, body })
  const text = await response.text()
  let parsed: unknown = text
  try {
    parsed = JSON.parse(text)
  } catch {
    // left as text: the caller asserts on it
  }
  return { status: response.status, body: parsed, headers: response.headers }
}

/**
 * Run the user-action flow by hand (what the SDK's userActionFetch does) and return the
 * `x-dfns-useraction` value for `method path` with exactly `payload`.
 */
export async function obtainUserAction(
  baseUrl: string,
  token: string,
  signer: { sign(challenge: UserActionChallenge): Promise<unknown> },
  action: { method: 'POST' | 'PUT' | 'DELETE'; path: string; payload: string },
): Promise<string> {
  const init = await rawRequest(baseUrl, {
    method: 'POST',
    path: '/auth/action/init',
    token,
    body: {
      userActionPayload: action.payload,
      userActionHttpMethod: action.method,
      userActionHttpPath: action.path,
      userActionServerKind: 'Api',
    },
  })
  if (init.status !== 200)
    throw new Error(`action init answered ${init.status}: ${JSON.stringify(init.body)}`)
  const firstFactor = await signer.sign(init.body as UserActionChallenge)
  const signed = await rawRequest(baseUrl, {
    method: 'POST',
    path: '/auth/action',
    token,
    body: { challengeIdentifier: init.body.challengeIdentifier, firstFactor },
  })
  if (signed.status !== 200)
    throw new Error(`action answered ${signed.status}: ${JSON.stringify(signed.body)}`)
  return signed.body.userAction as string
}

/** Assert the error contract: `{"error":{"id","status","message","details"}}` with status = HTTP status. */
export function assertErrorBody(response: RawResponse, status: number, message?: RegExp | string): void {
  const where = `${response.status} ${JSON.stringify(response.body)}`
  if (response.status !== status) throw new Error(`expected ${status}, got ${where}`)
  const error = response.body?.error
  if (!error || typeof error !== 'object') throw new Error(`no error object in ${where}`)
  if (typeof error.id !== 'string' || !/^\d+$/.test(error.id)) throw new Error(`bad error.id in ${where}`)
  if (error.status !== status) throw new Error(`error.status differs from HTTP status in ${where}`)
  if (typeof error.message !== 'string' || error.message === '')
    throw new Error(`no error.message in ${where}`)
  if (typeof error.details !== 'object' || error.details === null)
    throw new Error(`no error.details in ${where}`)
  if (message !== undefined) {
    const ok = typeof message === 'string' ? error.message === message : message.test(error.message)
    if (!ok) throw new Error(`message ${JSON.stringify(error.message)} does not match ${message} in ${where}`)
  }
}

/**
 * A software passkey (WebAuthn authenticator): ES256, "none" attestation, a signature counter, as a
 * browser would relay it for `rpId` on `origin`. Produces the Dfns Fido2 attestation and assertion
 * shapes (`credentialInfo` / `credentialAssertion`).
 */
export class SoftwarePasskey {
  readonly credId: string
  readonly #privateKey: KeyObject
  readonly #publicJwk: JsonWebKey
  readonly #rpIdHash: Buffer
  #counter = 0

  constructor(
    readonly rpId: string,
    readonly origin: string,
  ) {
    const pair = generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
    this.#privateKey = pair.privateKey
    this.#publicJwk = pair.publicKey.export({ format: 'jwk' })
    this.credId = randomBytes(16).toString('base64url')
    this.#rpIdHash = createHash('sha256').update(rpId).digest()
  }

  #clientData(type: string, challenge: string): string {
    return Buffer.from(JSON.stringify({ type, challenge, origin: this.origin, crossOrigin: false })).toString(
      'base64url',
    )
  }

  /** `credentialInfo` of a Fido2 registration for `challenge`. */
  attest(challenge: string): { credId: string; clientData: string; attestationData: string } {
    const coseKey = new Map<number, number | Uint8Array>([
      [cose.COSEKEYS.kty, cose.COSEKTY.EC2],
      [cose.COSEKEYS.alg, cose.COSEALG.ES256],
      [cose.COSEKEYS.crv, cose.COSECRV.P256],
      [cose.COSEKEYS.x, Buffer.from(this.#publicJwk.x!, 'base64url')],
      [cose.COSEKEYS.y, Buffer.from(this.#publicJwk.y!, 'base64url')],
    ])
    const rawId = Buffer.from(this.credId, 'base64url')
    const length = Buffer.alloc(2)
    length.writeUInt16BE(rawId.length)
    const authData = Buffer.concat([
      this.#rpIdHash,
      Buffer.from([0x45]), // user present, user verified, attested credential data
      Buffer.alloc(4),
      Buffer.alloc(16), // AAGUID
      length,
      rawId,
      Buffer.from(isoCBOR.encode(coseKey as never)),
    ])
    const attestationObject = isoCBOR.encode(
      new Map<string, unknown>([
        ['fmt', 'none'],
        ['attStmt', new Map()],
        ['authData', authData],
      ]) as never,
    )
    return {
      credId: this.credId,
      clientData: this.#clientData('webauthn.create', challenge),
      attestationData: Buffer.from(attestationObject).toString('base64url'),
    }
  }

  /** `credentialAssertion` for `challenge`; each call advances the signature counter. */
  assert(
    challenge: string,
    counter = ++this.#counter,
  ): { credId: string; clientData: string; authenticatorData: string; signature: string } {
    const count = Buffer.alloc(4)
    count.writeUInt32BE(counter)
    const authenticatorData = Buffer.concat([this.#rpIdHash, Buffer.from([0x05]), count])
    const clientData = this.#clientData('webauthn.get', challenge)
    const signed = Buffer.concat([
      authenticatorData,
      createHash('sha256').update(Buffer.from(clientData, 'base64url')).digest(),
    ])
    return {
      credId: this.credId,
      clientData,
      authenticatorData: authenticatorData.toString('base64url'),
      signature: cryptoSign('sha256', signed, this.#privateKey).toString('base64url'),
    }
  }
}
