import {
  deriveAddress,
  type NetworkInfo,
  requireKeyTypeForNetwork,
  requireNetwork,
  resolveKeyType,
} from '../../chains/index.ts'
import type { ExportResponse } from '../../custody/index.ts'
import { AppError, notFound } from '../../errors.ts'
import { requireOperation } from '../../http/permission-guard.ts'
import { newId } from '../../ids.ts'
import { pageOf } from '../../pagination.ts'
import type { WalletsContext } from './context.ts'
import type { KeyRecord } from './keys/repository.ts'
import type { ExportBody } from './keys/schemas.ts'
import { delegateKey, type KeyService, SOFTWARE_STORE_ID } from './keys/service.ts'
import type { WalletRecord } from './repository.ts'
import {
  type CreateWalletBody,
  type ImportWalletBody,
  MAX_TAGS,
  type UpdateWalletBody,
  type WalletView,
} from './schemas.ts'
import { type Caller, pageCursor, requireUsableBy, resolveOwner, visibleTo } from './shared.ts'
import type { OwnerPageQuery } from './shared-schemas.ts'
import { keyOfWallet, toWalletView } from './views.ts'

export type WalletService = ReturnType<typeof createWalletService>

export function createWalletService(ctx: WalletsContext, keys: KeyService) {
  /** The caller's wallet: another org's or an unknown id is a 404. */
  async function requireWallet(caller: Caller, walletId: string): Promise<WalletRecord> {
    const wallet = await ctx.wallets.find(caller.orgId, walletId)
    if (!wallet || !visibleTo(caller, wallet.delegatedTo)) throw notFound('wallet', walletId)
    return wallet
  }

  /** The caller's wallet and its key, read together (the wallet's visibility decides the 404). */
  async function requireWalletWithKey(
    caller: Caller,
    walletId: string,
  ): Promise<{ wallet: WalletRecord; key: KeyRecord }> {
    const found = await ctx.wallets.findWithKey(caller.orgId, walletId)
    if (!found || !visibleTo(caller, found.wallet.delegatedTo)) throw notFound('wallet', walletId)
    return found
  }

  async function view(wallet: WalletRecord): Promise<WalletView> {
    const key = await ctx.keys.find(wallet.orgId, wallet.keyId)
    return toWalletView(wallet, keyOfWallet(wallet, new Map(key ? [[key.id, key]] : [])))
  }

  /**
   * The new wallet's address. Networks whose accounts are created on-chain (Hedera, Concordium,
   * Canton) have none until activation: such wallets start `Inactive` without an address.
   */
  function addressFor(network: NetworkInfo, key: KeyRecord): string | null {
    if (network.requiresActivation) return null
    return deriveAddress(network, key, Buffer.from(key.publicKey, 'hex')) ?? null
  }

  function newWallet(
    caller: Caller,
    network: NetworkInfo,
    key: KeyRecord,
    fields: { name?: string; externalId?: string; tags?: readonly string[]; delayDelegation?: boolean },
  ): WalletRecord {
    const now = ctx.clock.now()
    return {
      id: newId('wallet', now.getTime()),
      orgId: caller.orgId,
      keyId: key.id,
      network: network.name,
      address: addressFor(network, key),
      name: fields.name ?? null,
      status: network.requiresActivation ? 'Inactive' : 'Active',
      externalId: fields.externalId ?? null,
      tags: [...new Set(fields.tags ?? [])],
      delegatedTo: key.delegatedTo,
      delayDelegation: fields.delayDelegation === true || key.delayDelegation,
      dateCreated: now.toISOString(),
      dateDeleted: null,
    }
  }

  return {
    requireWallet,
    requireWalletWithKey,

    async create(caller: Caller, body: CreateWalletBody): Promise<WalletView> {
      const network = requireNetwork(body.network, 'network')
      const requested = body.signingKey ?? {}
      if (requested.deriveFrom) {
        throw new AppError('not_implemented', 'walletd does not derive HD keys (signingKey.deriveFrom).', {
          details: { field: 'signingKey.deriveFrom' },
        })
      }
      if (body.tags?.length) await requireOperation(ctx.operations, caller, 'Wallets:Tags:Add')

      if (requested.id !== undefined) {
        // Reuse: the key's type must fit the network; the wallet follows the key's delegation.
        await keys.requireReuse(caller)
        if (requested.scheme !== undefined || requested.curve !== undefined) {
          throw new AppError('validation_failed', 'signingKey.id cannot be combined with scheme or curve.', {
            details: { field: 'signingKey' },
          })
        }
        if (body.delegateTo !== undefined || body.delayDelegation) {
          throw new AppError(
            'validation_failed',
            'A wallet on an existing key follows that key\u2019s delegation; delegateTo and delayDelegation do not apply.',
            { details: { field: body.delegateTo !== undefined ? 'delegateTo' : 'delayDelegation' } },
          )
        }
        const key = await keys.requireKey(caller, requested.id)
        keys.requireLive(key)
        requireKeyTypeForNetwork(network, key, 'signingKey.id')
        const wallet = newWallet(caller, network, key, body)
        await ctx.wallets.insert(wallet)
        return toWalletView(wallet, key)
      }

      if (requested.storeId !== undefined && requested.storeId !== SOFTWARE_STORE_ID) {
        throw notFound('key store', requested.storeId, { field: 'signingKey.storeId' })
      }
      const type = resolveKeyType(network, requested, 'signingKey')
      const delegation = keys.delegationFor(caller, body)
      await keys.checkDelegation(caller, delegation)
      const created = await keys.generate(caller, type, delegation)
      // Material, key and wallet commit together: a crash leaves all three or none.
      const wallet = newWallet(caller, network, created.key, body)
      await keys.record(created, (trx) => ctx.wallets.insert(wallet, trx))
      return toWalletView(wallet, created.key)
    },

    async get(caller: Caller, walletId: string): Promise<WalletView> {
      const { wallet, key } = await requireWalletWithKey(caller, walletId)
      return toWalletView(wallet, key)
    },

    async list(caller: Caller, query: OwnerPageQuery) {
      const { limit, beforeId } = pageCursor(query)
      const owner =
        caller.kind === 'EndUser' ? caller.userId : await resolveOwner(ctx.people, caller.orgId, query)
      if (owner === null) return { items: [] }
      const rows = await ctx.wallets.list(caller.orgId, {
        limit: limit + 1,
        ...(beforeId ? { beforeId } : {}),
        ...(owner ? { delegatedTo: owner } : {}),
      })
      const page = pageOf(rows, limit)
      const byId = await ctx.keys.findMany(
        caller.orgId,
        page.items.map((w) => w.keyId),
      )
      return { ...page, items: page.items.map((w) => toWalletView(w, keyOfWallet(w, byId))) }
    },

    async update(caller: Caller, walletId: string, body: UpdateWalletBody): Promise<WalletView> {
      const wallet = await requireWallet(caller, walletId)
      await ctx.wallets.update(caller.orgId, wallet.id, body)
      return view(await requireWallet(caller, walletId))
    },

    async addTags(caller: Caller, walletId: string, tags: readonly string[]): Promise<Record<string, never>> {
      const wallet = await requireWallet(caller, walletId)
      await ctx.wallets.changeTags(caller.orgId, wallet.id, (current) => {
        const next = [...new Set([...current, ...tags])]
        if (next.length > MAX_TAGS) {
          throw new AppError('validation_failed', `A wallet holds at most ${MAX_TAGS} tags.`, {
            details: { field: 'tags', max: MAX_TAGS, walletId },
          })
        }
        return next
      })
      return {}
    },

    async removeTags(
      caller: Caller,
      walletId: string,
      tags: readonly string[],
    ): Promise<Record<string, never>> {
      const wallet = await requireWallet(caller, walletId)
      const removed = new Set(tags)
      await ctx.wallets.changeTags(caller.orgId, wallet.id, (current) =>
        current.filter((t) => !removed.has(t)),
      )
      return {}
    },

    async delegate(caller: Caller, walletId: string, userId: string) {
      const wallet = await requireWallet(caller, walletId)
      const key = await keys.requireKey(caller, wallet.keyId)
      keys.requireLive(key)
      await delegateKey(ctx, caller, key, userId, `wallet ${wallet.id}`, wallet.delayDelegation)
      return { walletId: wallet.id, status: 'Delegated' as const }
    },

    async export(caller: Caller, walletId: string, body: ExportBody): Promise<ExportResponse> {
      const wallet = await requireWallet(caller, walletId)
      requireUsableBy(caller, `wallet ${wallet.id}`, wallet.delegatedTo)
      return keys.export(caller, await keys.requireKey(caller, wallet.keyId), body)
    },

    async import(caller: Caller, body: ImportWalletBody): Promise<WalletView> {
      const network = requireNetwork(body.network, 'network')
      const { network: _network, name, externalId, ...material } = body
      const created = await keys.importMaterial(caller, material, {})
      const { key } = created
      requireKeyTypeForNetwork(network, key, 'protocol')
      const wallet = newWallet(caller, network, key, {
        ...(name !== undefined ? { name } : {}),
        ...(externalId !== undefined ? { externalId } : {}),
      })
      await keys.record(created, (trx) => ctx.wallets.insert(wallet, trx))
      return toWalletView(wallet, key)
    },
  }
}
