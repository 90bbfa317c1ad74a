import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto'
import { deriveAddress } from '../../../chains/addresses.ts'
import type { EvmEndpoints } from '../../../chains/evm/endpoints.ts'
import { requireNetwork, resolveKeyType } from '../../../chains/networks.ts'
import type { Clock } from '../../../clock.ts'
import { type KeyStore, PrivateKey } from '../../../custody/index.ts'
import type { Caller } from '../../../http/context.ts'
import { newId, withIdSource } from '../../../ids.ts'
import {
  type AuthService,
  type BootstrapResult,
  type Credential,
  newAccessToken,
  newPerson,
  newServiceAccountUser,
  parsePublicKey,
  tokenKeyCredential,
} from '../../auth/index.ts'
import type { PermissionsService } from '../../permissions/index.ts'
import type { PlanService } from '../../plans/index.ts'
import type { PoliciesModule } from '../../policies/index.ts'
import type { KeyRecord, WalletRecord, WalletsModule } from '../../wallets/index.ts'
import { derivedCredId, derivedRootKey, entryIds, SEED_TOKEN_EXPIRY, SEED_TOKEN_ISSUED_AT } from './derive.ts'
import { at, seedError } from './errors.ts'
import type { Seed, SeedOrg } from './schema.ts'
import { checkSeed } from './validate.ts'

export interface SeedDeps {
  readonly clock: Clock
  readonly auth: AuthService
  readonly permissions: PermissionsService
  readonly policies: PoliciesModule
  readonly plans: PlanService
  readonly wallets: WalletsModule
  readonly keyStore: KeyStore
  readonly evm: EvmEndpoints
}

/** What applying a seed made: every id, address and credential a test needs. */
export interface SeededOrg {
  key: string
  orgId: string
  root: BootstrapResult['serviceAccount']
  permissions: { name: string; id: string }[]
  serviceAccounts: { name: string; userId: string; tokenId: string; credId: string; accessToken: string }[]
  users: { email: string; userId: string; kind: string; credId?: string }[]
  wallets: { key: string; id: string; keyId: string; network: string; address: string | null }[]
  policies: { name: string; id: string }[]
}

export interface SeedResult {
  orgs: SeededOrg[]
}

/**
 * Creates what the seed describes through the domains' own constructors and services, each entry
 * under its deterministic id source: the same seed gives the same ids, keys, addresses and tokens.
 * The input must have passed `checkSeed` (the schema and the cross-references).
 */
export async function applySeed(deps: SeedDeps, input: unknown): Promise<SeedResult> {
  const seed: Seed = checkSeed(input, { hasDevChain: (network) => devChainHas(deps.evm, network) })
  const orgs: SeededOrg[] = []
  for (const [i, org] of seed.orgs.entries()) orgs.push(await applyOrg(deps, org, `orgs[${i}]`))
  return { orgs }
}

function devChainHas(evm: EvmEndpoints, network: string): boolean {
  return evm.list().some((c) => c.network === network && c.source === 'dev-chain')
}

async function applyOrg(deps: SeedDeps, org: SeedOrg, path: string): Promise<SeededOrg> {
  const ctx = deps.auth.context
  const scoped = <T>(scope: string, run: () => Promise<T>) =>
    withIdSource(entryIds(`${org.key}/${scope}`), run)

  const rootKey = org.root
    ? await at(`${path}.root.privateKey`, async () => rootFromPem(org.root!.privateKey))
    : derivedRootKey(org.key)
  const boot = await scoped('org', () =>
    deps.auth.bootstrapOrg({
      orgName: org.name ?? org.key,
      seeded: {
        privateKeyPem: rootKey.privateKeyPem,
        publicKeyPem: rootKey.publicKeyPem,
        issuedAt: SEED_TOKEN_ISSUED_AT,
        expiresAt: SEED_TOKEN_EXPIRY,
      },
    }),
  )
  const orgId = boot.orgId
  const appId = (await ctx.repos.orgs.defaultApp(orgId))!.id
  const root: Caller = {
    orgId,
    userId: boot.serviceAccount.userId,
    tokenId: boot.serviceAccount.tokenId,
    kind: 'ServiceAccount',
    appId,
    tokenKind: 'ServiceAccount',
    username: 'root',
  }
  if (org.plan) await at(`${path}.plan`, () => deps.plans.change(orgId, { plan: org.plan! }))

  const result: SeededOrg = {
    key: org.key,
    orgId,
    root: boot.serviceAccount,
    permissions: [],
    serviceAccounts: [],
    users: [],
    wallets: [],
    policies: [],
  }
  const permissionIds = new Map<string, string>()
  for (const p of (await deps.permissions.list(orgId, { limit: 500 })).items) permissionIds.set(p.name, p.id)
  for (const [j, p] of (org.permissions ?? []).entries()) {
    const created = await at(`${path}.permissions[${j}]`, () =>
      scoped(`permission/${p.name}`, () => deps.permissions.create(root, p)),
    )
    permissionIds.set(p.name, created.id)
    result.permissions.push({ name: p.name, id: created.id })
  }
  const assign = async (identityId: string, names: readonly string[], where: string) => {
    for (const [k, name] of names.entries()) {
      await at(`${where}.permissions[${k}]`, () =>
        scoped(`assignment/${identityId}/${name}`, () =>
          deps.permissions.assign(root, permissionIds.get(name)!, { identityId }),
        ),
      )
    }
  }

  const ids = new Map<string, string>()
  for (const [j, sa] of (org.serviceAccounts ?? []).entries()) {
    const where = `${path}.serviceAccounts[${j}]`
    parsePublicKeyAt(sa.publicKey, `${where}.publicKey`)
    const made = await scoped(`service-account/${sa.name}`, async () => {
      const now = deps.clock.now()
      const user = newServiceAccountUser({ orgId, name: sa.name, externalId: sa.externalId, now })
      const token = newAccessToken({
        orgId,
        userId: user.id,
        appId,
        kind: 'ServiceAccount',
        name: sa.name,
        externalId: sa.externalId,
        expiresAt: SEED_TOKEN_EXPIRY,
        now,
      })
      const key = tokenKeyCredential(token, sa.publicKey, now)
      user.credentialUuid = key.uuid
      await at(where, () =>
        ctx.db.transaction().execute(async (trx) => {
          await ctx.repos.users.create(user, trx)
          await ctx.repos.tokens.create(token, trx)
          await ctx.repos.credentials.create(key, trx)
        }),
      )
      const accessToken = await deps.auth.services.issuance.signToken(token, user.username, {
        issuedAt: SEED_TOKEN_ISSUED_AT,
      })
      return { name: sa.name, userId: user.id, tokenId: token.id, credId: key.credId, accessToken }
    })
    ids.set(`$serviceAccount:${sa.name}`, made.userId)
    await assign(made.userId, sa.permissions ?? [], where)
    result.serviceAccounts.push(made)
  }

  for (const [j, u] of (org.users ?? []).entries()) {
    const where = `${path}.users[${j}]`
    if (u.publicKey) parsePublicKeyAt(u.publicKey, `${where}.publicKey`)
    const made = await scoped(`user/${u.email.toLowerCase()}`, async () => {
      if (!u.publicKey) {
        // Unregistered: created as POST /auth/users does, its registration code in the mailbox.
        const view = await at(where, () =>
          deps.auth.services.users.createUser(root, {
            email: u.email,
            kind: 'CustomerEmployee',
            ...(u.externalId ? { externalId: u.externalId } : {}),
          }),
        )
        return { email: u.email, userId: view.userId, kind: u.kind }
      }
      const now = deps.clock.now()
      const user = {
        ...newPerson({
          orgId,
          username: u.email,
          kind: u.kind,
          externalId: u.externalId,
          registrationCode: '',
          now,
        }),
        isRegistered: true,
        registrationCodeHash: null,
        registrationCodeExpiresAt: null,
      }
      const credential: Credential = {
        uuid: newId('credential', now.getTime()),
        orgId,
        userId: user.id,
        tokenId: null,
        kind: 'Key',
        credId: u.credId ?? derivedCredId(org.key, u.email),
        name: 'Seed credential',
        publicKey: u.publicKey,
        encryptedPrivateKey: null,
        relyingPartyId: '',
        origin: '',
        signCount: 0,
        isActive: true,
        dateCreated: now.toISOString(),
      }
      user.credentialUuid = credential.uuid
      await at(where, () =>
        ctx.db.transaction().execute(async (trx) => {
          await ctx.repos.users.create(user, trx)
          await ctx.repos.credentials.create(credential, trx)
        }),
      )
      return { email: u.email, userId: user.id, kind: u.kind, credId: credential.credId }
    })
    ids.set(`$user:${u.email.toLowerCase()}`, made.userId)
    await assign(made.userId, u.permissions ?? [], where)
    result.users.push(made)
  }

  for (const [j, w] of (org.wallets ?? []).entries()) {
    const where = `${path}.wallets[${j}]`
    const made = await scoped(`wallet/${w.key}`, () => seedWallet(deps, orgId, w, where, ids))
    ids.set(`$wallet:${w.key}`, made.id)
    result.wallets.push(made)
  }

  const policyNames = new Map<string, number>()
  for (const [j, body] of (org.policies ?? []).entries()) {
    const where = `${path}.policies[${j}]`
    const name = String(body.name ?? '')
    const nth = policyNames.get(name) ?? 0
    policyNames.set(name, nth + 1)
    const resolved = resolveRefs(body, ids, where)
    const created = await at(where, () =>
      scoped(`policy/${name}/${nth}`, () => deps.policies.service.create(orgId, resolved)),
    )
    result.policies.push({ name, id: created.id })
  }
  return result
}

function parsePublicKeyAt(pem: string, field: string): void {
  parsePublicKey(pem, field)
}

/** The root key the seed gives: a P-256 PKCS#8 PEM (the root signs with ES256, like bootstrap's). */
function rootFromPem(pem: string): { privateKeyPem: string; publicKeyPem: string } {
  let key: KeyObject
  try {
    key = createPrivateKey(pem)
  } catch {
    throw seedError('', 'is not a PKCS#8 PEM private key')
  }
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw seedError('', 'must be a P-256 (prime256v1) key')
  }
  return {
    privateKeyPem: pem,
    publicKeyPem: createPublicKey(key).export({ type: 'spki', format: 'pem' }).toString(),
  }
}

async function seedWallet(
  deps: SeedDeps,
  orgId: string,
  w: NonNullable<SeedOrg['wallets']>[number],
  where: string,
  ids: Map<string, string>,
): Promise<SeededOrg['wallets'][number]> {
  const network = requireNetwork(w.network, `${where}.network`)
  const type = await at(where, async () =>
    resolveKeyType(
      network,
      { ...(w.scheme ? { scheme: w.scheme } : {}), ...(w.curve ? { curve: w.curve } : {}) },
      'scheme',
    ),
  )
  const delegatedTo = w.delegateTo ? (ids.get(`$user:${w.delegateTo.toLowerCase()}`) ?? null) : null
  const now = deps.clock.now()
  const keyId = newId('key', now.getTime())
  const secret = new PrivateKey(Buffer.from(w.privateKey.replace(/^0x/, ''), 'hex'))
  const material = await at(`${where}.privateKey`, () =>
    deps.keyStore.prepareImport({ orgId, keyId }, type, secret),
  ).finally(() => secret.wipe())
  const publicKey = Buffer.from(material.publicKey)
  const key: KeyRecord = {
    id: keyId,
    orgId,
    scheme: material.scheme,
    curve: material.curve,
    publicKey: publicKey.toString('hex'),
    name: w.name ?? null,
    status: 'Active',
    delegatedTo,
    delayDelegation: false,
    imported: true,
    exported: false,
    dateExported: null,
    dateCreated: now.toISOString(),
    dateDeleted: null,
  }
  const address = network.requiresActivation ? null : (deriveAddress(network, type, publicKey) ?? null)
  const wallet: WalletRecord = {
    id: newId('wallet', now.getTime()),
    orgId,
    keyId,
    network: network.name,
    address,
    name: w.name ?? null,
    status: network.requiresActivation ? 'Inactive' : 'Active',
    externalId: w.externalId ?? null,
    tags: [...new Set(w.tags ?? [])],
    delegatedTo,
    delayDelegation: false,
    dateCreated: now.toISOString(),
    dateDeleted: null,
  }
  await at(where, () =>
    deps.wallets.keys.record({ key, material }, (trx) => deps.wallets.walletRepository.insert(wallet, trx)),
  )
  if (w.balance !== undefined && address) {
    const rpc = deps.evm.rpcFor(network)
    await at(`${where}.balance`, () =>
      rpc.request('anvil_setBalance', [address, `0x${BigInt(w.balance!).toString(16)}`]),
    )
  }
  return { key: w.key, id: wallet.id, keyId, network: network.name, address }
}

/** `"$user:<email>"`, `"$serviceAccount:<name>"`, `"$wallet:<key>"` anywhere in a policy body → the id. */
function resolveRefs(value: unknown, ids: Map<string, string>, where: string): unknown {
  if (typeof value === 'string') {
    if (!/^\$(user|serviceAccount|wallet):/.test(value)) return value
    const [kind, ...rest] = value.split(':')
    const ref = `${kind}:${kind === '$user' ? rest.join(':').toLowerCase() : rest.join(':')}`
    const id = ids.get(ref)
    if (!id) throw seedError(where, `${value} names no ${kind!.slice(1)} of this org in the seed`)
    return id
  }
  if (Array.isArray(value)) return value.map((v) => resolveRefs(v, ids, where))
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveRefs(v, ids, where)]))
  }
  return value
}
