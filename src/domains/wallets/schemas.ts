import { type Static, Type } from 'typebox'
import { pageSchema } from '../../pagination.ts'
import { Curve, importFields, Scheme } from './keys/schemas.ts'
import { ExternalId, Id, Name, NetworkName } from './shared-schemas.ts'

/** Request and response schemas of the wallet routes (the shared pieces are in shared-schemas.ts). */

export const Tag = Type.String({ minLength: 1, maxLength: 100 })
export const MAX_TAGS = 100

// --- wallets --------------------------------------------------------------------------------------
export const WalletView = Type.Object({
  id: Type.String(),
  network: Type.String(),
  address: Type.Optional(Type.String()),
  signingKey: Type.Object({
    id: Type.String(),
    scheme: Scheme,
    curve: Curve,
    publicKey: Type.String(),
    delegatedTo: Type.Optional(Type.String()),
  }),
  status: Type.Enum(['Active', 'Inactive', 'Archived']),
  dateCreated: Type.String(),
  dateDeleted: Type.Optional(Type.String()),
  name: Type.Optional(Type.String()),
  custodial: Type.Boolean(),
  externalId: Type.Optional(Type.String()),
  tags: Type.Array(Type.String()),
})
export type WalletView = Static<typeof WalletView>

export const WalletList = pageSchema(WalletView)

export const CreateWalletBody = Type.Object(
  {
    network: NetworkName,
    name: Type.Optional(Name),
    signingKey: Type.Optional(
      Type.Object(
        {
          id: Type.Optional(Id),
          scheme: Type.Optional(Scheme),
          curve: Type.Optional(Curve),
          storeId: Type.Optional(Id),
          deriveFrom: Type.Optional(
            Type.Object({ keyId: Id, path: Type.Optional(Type.String({ maxLength: 200 })) }),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    delegateTo: Type.Optional(Id),
    delayDelegation: Type.Optional(Type.Boolean()),
    externalId: Type.Optional(ExternalId),
    tags: Type.Optional(Type.Array(Tag, { maxItems: MAX_TAGS })),
  },
  { additionalProperties: false },
)
export type CreateWalletBody = Static<typeof CreateWalletBody>

export const UpdateWalletBody = Type.Object(
  {
    name: Type.Optional(Type.Union([Name, Type.Null()])),
    externalId: Type.Optional(Type.Union([ExternalId, Type.Null()])),
  },
  { additionalProperties: false },
)
export type UpdateWalletBody = Static<typeof UpdateWalletBody>

export const TagsBody = Type.Object(
  { tags: Type.Array(Tag, { minItems: 1, maxItems: MAX_TAGS }) },
  { additionalProperties: false },
)
export type TagsBody = Static<typeof TagsBody>

export const DelegateWalletBody = Type.Object({ userId: Id }, { additionalProperties: false })
export const DelegateWalletResponse = Type.Object({
  walletId: Type.String(),
  status: Type.Literal('Delegated'),
})

export const ImportWalletBody = Type.Object(
  { network: NetworkName, name: Type.Optional(Name), externalId: Type.Optional(ExternalId), ...importFields },
  { additionalProperties: false },
)
export type ImportWalletBody = Static<typeof ImportWalletBody>
