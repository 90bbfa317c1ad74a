import { type Static, Type } from 'typebox'
import { PageQuery as BasePageQuery, pageQuery } from '../../pagination.ts'

/**
 * The schema pieces every part of the wallets area uses (wallets, keys, signatures, transfers):
 * ids, names, network names, the page queries and the path parameters. Each part's own request and
 * response schemas live in its `schemas.ts`, shaped as SDK 0.8.21's `generated/wallets/types` and
 * `generated/keys/types`. They validate input (every string bounded), type the handlers, describe
 * OpenAPI and serialize responses (fields not declared there never leave the server).
 *
 * Network names are checked by the chain registry, not by an enum here, so an unknown network is a
 * 400 that names the field and lists the allowed values (see src/chains/networks.ts).
 */

export const Id = Type.String({ minLength: 1, maxLength: 64 })
export const Name = Type.String({ minLength: 1, maxLength: 200 })
export const ExternalId = Type.String({ minLength: 1, maxLength: 200 })
export const NetworkName = Type.String({ minLength: 1, maxLength: 64 })

// --- pagination -----------------------------------------------------------------------------------
export const DEFAULT_PAGE_SIZE = 50
export const PageQuery = BasePageQuery
export type PageQuery = Static<typeof PageQuery>

export const OwnerPageQuery = pageQuery({
  owner: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  ownerId: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  ownerUsername: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
})
export type OwnerPageQuery = Static<typeof OwnerPageQuery>

// --- path parameters ------------------------------------------------------------------------------
export const WalletParams = Type.Object({ walletId: Id })
export const KeyParams = Type.Object({ keyId: Id })
