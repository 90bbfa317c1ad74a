import type { Clock } from '../../../clock.ts'
import {
  type ExportResponse,
  exportKey,
  type ImportSigner,
  type KeyStore,
  type KeyType,
  type PreparedKey,
  prepareImportedKey,
  type SignerClusters,
} from '../../../custody/index.ts'
import type { Db } from '../../../db/database.ts'
import { AppError, notFound } from '../../../errors.ts'
import { type OperationSource, requireOperation } from '../../../http/permission-guard.ts'
import { newId } from '../../../ids.ts'
import { pageOf } from '../../../pagination.ts'
import {
  type Caller,
  type FeatureGate,
  type PeopleDirectory,
  pageCursor,
  requireEndUser,
  requireUsableBy,
  resolveOwner,
  visibleTo,
} from '../shared.ts'
import type { OwnerPageQuery } from '../shared-schemas.ts'
import type { KeyRecord, KeyRepository } from './repository.ts'
import type { CreateKeyBody, ExportBody, ImportKeyBody, KeyDetailView, KeyView } from './schemas.ts'
import { toKeyView } from './views.ts'

/**
 * The wallets on a key, as far as keys need them: deleting a key archives them, delegating it
 * delegates them, its detail lists them. The wallet repository serves it; keys do not know wallets.
 */
export interface WalletsOfKey {
  listByKey(orgId: string, keyId: string): Promise<readonly { id: string; network: string }[]>
  archiveByKey(orgId: string, keyId: string, date: string, trx?: Db): Promise<void>
  delegateByKey(orgId: string, keyId: string, userId: string, trx?: Db): Promise<void>
}

/** What the key service needs; built once by `createWalletsModule`. */
export interface KeysContext {
  readonly db: Db
  readonly clock: Clock
  readonly keyStore: KeyStore
  readonly importSigner: ImportSigner
  readonly keys: KeyRepository
  readonly wallets: WalletsOfKey
  readonly people: PeopleDirectory
  readonly plans: FeatureGate
  /** For the extra operations a body needs (Keys:Reuse). */
  readonly operations: OperationSource
}

/** Every key walletd holds lives in its encrypted software store (src/custody). */
export const SOFTWARE_STORE_ID = 'walletd-software-store'

export type KeyService = ReturnType<typeof createKeyService>

/** A key about to be created: its row, and its sealed material not stored yet. */
export interface NewKey {
  readonly key: KeyRecord
  readonly material: PreparedKey
}

export function createKeyService(ctx: KeysContext) {
  /** The caller's key: another org's or an unknown id is a 404. */
  async function requireKey(caller: Caller, keyId: string): Promise<KeyRecord> {
    const key = await ctx.keys.find(caller.orgId, keyId)
    if (!key || !visibleTo(caller, key.delegatedTo)) throw notFound('key', keyId)
    return key
  }

  /** A key whose material was destroyed can do nothing any more. */
  function requireLive(key: KeyRecord): void {
    if (key.status === 'Archived') {
      throw new AppError('gone', `key ${key.id} was deleted on ${key.dateDeleted}`, {
        details: { keyId: key.id, dateDeleted: key.dateDeleted },
      })
    }
  }

  /**
   * Generates and seals the key material (CSPRNG and encryption, outside any transaction) without
   * storing it: the caller writes `material` and the key row (and its wallet) in one transaction,
   * so a crash anywhere leaves all of them or none (`record`).
   */
  async function generate(
    caller: Caller,
    type: KeyType,
    fields: { name?: string | null; delegateTo?: string; delayDelegation?: boolean },
  ): Promise<NewKey> {
    const now = ctx.clock.now()
    const id = newId('key', now.getTime())
    const material = await ctx.keyStore.prepareKey({ orgId: caller.orgId, keyId: id }, type)
    const key: KeyRecord = {
      id,
      orgId: caller.orgId,
      scheme: material.scheme,
      curve: material.curve,
      publicKey: Buffer.from(material.publicKey).toString('hex'),
      name: fields.name ?? null,
      status: 'Active',
      delegatedTo: fields.delayDelegation ? null : (fields.delegateTo ?? null),
      delayDelegation: fields.delayDelegation === true,
      imported: false,
      exported: false,
      dateExported: null,
      dateCreated: now.toISOString(),
      dateDeleted: null,
    }
    return { key, material }
  }

  /** Writes a new key's material, its row and whatever else names it (its wallet) atomically. */
  async function record(created: NewKey, alsoWrite?: (trx: Db) => Promise<void>): Promise<void> {
    await ctx.db.transaction().execute(async (trx) => {
      await created.material.save(trx)
      await ctx.keys.insert(created.key, trx)
      await alsoWrite?.(trx)
    })
  }

  async function checkDelegation(caller: Caller, body: { delegateTo?: string; delayDelegation?: boolean }) {
    if (body.delegateTo !== undefined && body.delayDelegation) {
      throw new AppError('validation_failed', 'delegateTo and delayDelegation cannot be combined.', {
        details: { field: 'delayDelegation' },
      })
    }
    if (body.delegateTo !== undefined)
      await requireEndUser(ctx.people, caller.orgId, body.delegateTo, 'delegateTo')
  }

  /** A wallet or key an end user creates is theirs: delegated to them from the start. */
  function delegationFor(
    caller: Caller,
    body: { delegateTo?: string; delayDelegation?: boolean },
  ): { delegateTo?: string; delayDelegation?: boolean } {
    if (caller.kind === 'EndUser' && body.delegateTo === undefined && !body.delayDelegation) {
      return { delegateTo: caller.userId }
    }
    return {
      ...(body.delegateTo !== undefined ? { delegateTo: body.delegateTo } : {}),
      ...(body.delayDelegation !== undefined ? { delayDelegation: body.delayDelegation } : {}),
    }
  }

  return {
    requireKey,
    requireLive,
    generate,
    record,
    checkDelegation,
    delegationFor,

    async create(caller: Caller, body: CreateKeyBody): Promise<KeyView> {
      if (body.masterKey || body.deriveFrom) {
        throw new AppError('not_implemented', 'walletd does not derive HD keys (masterKey, deriveFrom).', {
          details: { field: body.masterKey ? 'masterKey' : 'deriveFrom' },
        })
      }
      if (body.storeId !== undefined && body.storeId !== SOFTWARE_STORE_ID)
        throw notFound('key store', body.storeId)
      const delegation = delegationFor(caller, body)
      await checkDelegation(caller, delegation)
      const created = await generate(
        caller,
        { scheme: body.scheme, curve: body.curve },
        {
          ...delegation,
          ...(body.name !== undefined ? { name: body.name } : {}),
        },
      )
      await record(created)
      return toKeyView(created.key)
    },

    async get(caller: Caller, keyId: string): Promise<KeyDetailView> {
      const key = await requireKey(caller, keyId)
      const wallets = await ctx.wallets.listByKey(caller.orgId, key.id)
      return {
        ...toKeyView(key),
        wallets: wallets.map((w) => ({ id: w.id, network: w.network })),
        store: { id: SOFTWARE_STORE_ID, kind: 'Mpc', keyId: key.id },
      }
    },

    async list(caller: Caller, query: OwnerPageQuery) {
      const { limit, beforeId } = pageCursor(query)
      const owner =
        caller.kind === 'EndUser' ? caller.userId : await resolveOwner(ctx.people, caller.orgId, query)
      if (owner === null) return { items: [] }
      const rows = await ctx.keys.list(caller.orgId, {
        limit: limit + 1,
        ...(beforeId ? { beforeId } : {}),
        ...(owner ? { delegatedTo: owner } : {}),
      })
      const page = pageOf(rows, limit)
      return { ...page, items: page.items.map(toKeyView) }
    },

    async update(caller: Caller, keyId: string, body: { name: string | null }): Promise<KeyView> {
      const key = await requireKey(caller, keyId)
      requireLive(key)
      await ctx.keys.rename(caller.orgId, key.id, body.name)
      return toKeyView(await requireKey(caller, keyId))
    },

    /**
     * Archives the key and its wallets, then destroys the key material (crypto-shredding): after
     * this, nothing can sign with it again, on any node. A second delete is a 410.
     */
    async remove(caller: Caller, keyId: string): Promise<KeyView> {
      const key = await requireKey(caller, keyId)
      requireLive(key)
      const date = ctx.clock.now().toISOString()
      const archived = await ctx.db.transaction().execute(async (trx) => {
        const done = await ctx.keys.archive(caller.orgId, key.id, date, trx)
        if (done) await ctx.wallets.archiveByKey(caller.orgId, key.id, date, trx)
        return done
      })
      if (!archived) requireLive((await requireKey(caller, keyId)) as KeyRecord)
      await ctx.keyStore.destroyKey({ orgId: caller.orgId, keyId: key.id })
      return toKeyView(await requireKey(caller, keyId))
    },

    async delegate(caller: Caller, keyId: string, userId: string) {
      const key = await requireKey(caller, keyId)
      requireLive(key)
      await delegateKey(ctx, caller, key, userId, `key ${key.id}`)
      return { keyId: key.id, status: 'Delegated' as const }
    },

    /** Plan-gated; a key exports once (a second export is a 412, the key is then exposed). */
    async export(caller: Caller, key: KeyRecord, body: ExportBody): Promise<ExportResponse> {
      await ctx.plans.requireFeature(caller.orgId, 'walletExport')
      requireLive(key)
      requireUsableBy(caller, `key ${key.id}`, key.delegatedTo)
      if (key.exported) {
        throw new AppError(
          'precondition_failed',
          `key ${key.id} was already exported on ${key.dateExported}`,
          {
            details: { keyId: key.id, dateExported: key.dateExported },
          },
        )
      }
      const exported = await exportKey(ctx.keyStore, { orgId: caller.orgId, keyId: key.id }, body)
      // Recorded after the envelope exists; of two racing exports only one is recorded and returned.
      if (!(await ctx.keys.markExported(caller.orgId, key.id, ctx.clock.now().toISOString()))) {
        throw new AppError('precondition_failed', `key ${key.id} was already exported`, {
          details: { keyId: key.id },
        })
      }
      return exported
    },

    /** Plan-gated import of one ECIES envelope addressed to `GET /signers`. */
    async importMaterial(
      caller: Caller,
      body: Omit<ImportKeyBody, 'name' | 'masterKey'>,
      fields: { name?: string },
    ): Promise<NewKey> {
      await ctx.plans.requireFeature(caller.orgId, 'walletImport')
      const now = ctx.clock.now()
      const id = newId('key', now.getTime())
      const material = await prepareImportedKey(
        { keyStore: ctx.keyStore, importSigner: ctx.importSigner },
        { orgId: caller.orgId, keyId: id },
        body,
      )
      const key: KeyRecord = {
        id,
        orgId: caller.orgId,
        scheme: material.scheme,
        curve: material.curve,
        publicKey: Buffer.from(material.publicKey).toString('hex'),
        name: fields.name ?? null,
        status: 'Active',
        delegatedTo: null,
        delayDelegation: false,
        imported: true,
        exported: false,
        dateExported: null,
        dateCreated: now.toISOString(),
        dateDeleted: null,
      }
      return { key, material }
    },

    async import(caller: Caller, body: ImportKeyBody): Promise<KeyView> {
      if (body.masterKey) {
        throw new AppError('not_implemented', 'walletd does not import HD master keys.', {
          details: { field: 'masterKey' },
        })
      }
      const { name, masterKey: _masterKey, ...material } = body
      const created = await this.importMaterial(caller, material, name !== undefined ? { name } : {})
      await record(created)
      return toKeyView(created.key)
    },

    signers(): Promise<SignerClusters> {
      return ctx.importSigner.describe()
    },

    /** Wallets:Create with `signingKey.id`: the caller needs Keys:Reuse too. */
    async requireReuse(caller: Caller) {
      await requireOperation(ctx.operations, caller, 'Keys:Reuse')
    },
  }
}

/**
 * Delegation is irreversible and only for keys (and wallets) created with `delayDelegation`: any
 * other case is a 412. The key and every wallet on it move to the end user together.
 */
export async function delegateKey(
  ctx: KeysContext,
  caller: Caller,
  key: KeyRecord,
  userId: string,
  subject: string,
  createdWithDelay = key.delayDelegation,
): Promise<void> {
  if (!createdWithDelay) {
    throw new AppError('precondition_failed', `${subject} was not created with delayDelegation: true`, {
      details: { keyId: key.id },
    })
  }
  if (key.delegatedTo !== null) {
    throw new AppError('precondition_failed', `${subject} is already delegated to ${key.delegatedTo}`, {
      details: { keyId: key.id, delegatedTo: key.delegatedTo },
    })
  }
  await requireEndUser(ctx.people, caller.orgId, userId, 'userId')
  const delegated = await ctx.db.transaction().execute(async (trx) => {
    const done = await ctx.keys.delegate(caller.orgId, key.id, userId, trx)
    if (done) await ctx.wallets.delegateByKey(caller.orgId, key.id, userId, trx)
    return done
  })
  if (!delegated) {
    throw new AppError('precondition_failed', `${subject} is already delegated`, {
      details: { keyId: key.id },
    })
  }
}
