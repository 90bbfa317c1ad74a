import { type Static, Type } from 'typebox'
import {
  blockchainKinds,
  MAX_MESSAGE_BYTES,
  MAX_TRANSACTION_BYTES,
  maxHexLength,
} from '../../chains/index.ts'
import { PageQuery as BasePageQuery, pageQuery, pageSchema } from '../../pagination.ts'

/**
 * Request and response schemas of the wallets, keys, signatures and export/import routes, shaped as
 * SDK 0.8.21's `generated/wallets/types` and `generated/keys/types`. They validate input (every
 * string bounded), type the handlers, describe OpenAPI and serialize responses (fields not declared
 * here never leave the server).
 *
 * Network names are checked by the chain registry, not by an enum here, so an unknown network is a
 * 400 that names the field and lists the allowed values (see src/chains/networks.ts).
 */

export const Id = Type.String({ minLength: 1, maxLength: 64 })
const Name = Type.String({ minLength: 1, maxLength: 200 })
const ExternalId = Type.String({ minLength: 1, maxLength: 200 })
export const NetworkName = Type.String({ minLength: 1, maxLength: 64 })
export const Tag = Type.String({ minLength: 1, maxLength: 100 })
export const MAX_TAGS = 100
const Scheme = Type.Enum(['DH', 'ECDSA', 'EdDSA', 'Schnorr'])
const Curve = Type.Enum(['ed25519', 'secp256k1', 'stark'])
const Protocol = Type.Enum(['CGGMP24', 'FROST', 'FROST_BITCOIN', 'GLOW20_DH', 'KU23', 'CGGMP21'])

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

export const WalletParams = Type.Object({ walletId: Id })
export const WalletSignatureParams = Type.Object({ walletId: Id, signatureId: Id })
export const KeyParams = Type.Object({ keyId: Id })
export const KeySignatureParams = Type.Object({ keyId: Id, signatureId: Id })

// --- keys -----------------------------------------------------------------------------------------
const keyFields = {
  id: Type.String(),
  scheme: Scheme,
  curve: Curve,
  publicKey: Type.String(),
  masterKey: Type.Optional(Type.Boolean()),
  name: Type.Optional(Type.String()),
  status: Type.Enum(['Active', 'Archived']),
  custodial: Type.Boolean(),
  dateCreated: Type.String(),
  imported: Type.Optional(Type.Boolean()),
  exported: Type.Optional(Type.Boolean()),
  dateExported: Type.Optional(Type.String()),
  dateDeleted: Type.Optional(Type.String()),
}
export const KeyView = Type.Object(keyFields)
export type KeyView = Static<typeof KeyView>

export const KeyDetailView = Type.Object({
  ...keyFields,
  wallets: Type.Array(Type.Object({ id: Type.String(), network: Type.String() })),
  store: Type.Object({
    id: Type.String(),
    kind: Type.Enum(['Hsm', 'Mpc', 'OfflineSigner']),
    keyId: Type.String(),
    derivationPath: Type.Optional(Type.String()),
  }),
})
export type KeyDetailView = Static<typeof KeyDetailView>

export const KeyList = pageSchema(KeyView)

export const CreateKeyBody = Type.Object(
  {
    scheme: Scheme,
    curve: Curve,
    name: Type.Optional(Name),
    masterKey: Type.Optional(Type.Boolean()),
    deriveFrom: Type.Optional(
      Type.Object({ keyId: Id, path: Type.Optional(Type.String({ maxLength: 200 })) }),
    ),
    storeId: Type.Optional(Id),
    delegateTo: Type.Optional(Id),
    delayDelegation: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
)
export type CreateKeyBody = Static<typeof CreateKeyBody>

export const UpdateKeyBody = Type.Object(
  { name: Type.Union([Name, Type.Null()]) },
  { additionalProperties: false },
)
export const DelegateKeyBody = Type.Object({ delegateTo: Id }, { additionalProperties: false })
export const DelegateKeyResponse = Type.Object({ keyId: Type.String(), status: Type.Literal('Delegated') })

// --- export / import ------------------------------------------------------------------------------
export const ExportBody = Type.Object(
  {
    encryptionKey: Type.String({ minLength: 1, maxLength: 512 }),
    supportedSchemes: Type.Array(Type.Object({ protocol: Protocol, curve: Curve }), {
      minItems: 1,
      maxItems: 16,
    }),
  },
  { additionalProperties: false },
)
export type ExportBody = Static<typeof ExportBody>

export const ExportResponse = Type.Object({
  publicKey: Type.String(),
  protocol: Protocol,
  curve: Curve,
  minSigners: Type.Integer(),
  encryptedKeyShares: Type.Array(Type.Object({ signerId: Type.String(), encryptedKeyShare: Type.String() })),
})

const importFields = {
  curve: Curve,
  protocol: Protocol,
  minSigners: Type.Integer({ minimum: 1, maximum: 16 }),
  encryptedKeyShares: Type.Array(
    Type.Object({
      signerId: Type.String({ minLength: 1, maxLength: 256 }),
      encryptedKeyShare: Type.String({ minLength: 1, maxLength: 4096 }),
    }),
    { minItems: 1, maxItems: 16 },
  ),
}
export const ImportWalletBody = Type.Object(
  { network: NetworkName, name: Type.Optional(Name), externalId: Type.Optional(ExternalId), ...importFields },
  { additionalProperties: false },
)
export type ImportWalletBody = Static<typeof ImportWalletBody>
export const ImportKeyBody = Type.Object(
  { name: Type.Optional(Name), masterKey: Type.Optional(Type.Boolean()), ...importFields },
  { additionalProperties: false },
)
export type ImportKeyBody = Static<typeof ImportKeyBody>

export const SignersView = Type.Object({
  clusters: Type.Array(
    Type.Object({
      clusterId: Type.String(),
      signers: Type.Array(Type.Object({ signerId: Type.String(), encryptionKey: Type.String() })),
    }),
  ),
})

// --- signature requests ---------------------------------------------------------------------------
const hexOf = (bytes: number) => Type.String({ maxLength: maxHexLength(bytes) })
const JsonObject = Type.Record(Type.String(), Type.Unknown())

/**
 * One schema for every kind: the fields of all kinds, each bounded. Which fields a kind needs, and
 * their formats, are checked by src/chains (400 naming the field); unknown kinds and kinds the
 * network cannot do are refused there too, naming the allowed kinds.
 */
export const SignatureRequestBody = Type.Object(
  {
    kind: Type.String({ minLength: 1, maxLength: 64 }),
    network: Type.Optional(NetworkName),
    blockchainKind: Type.Optional(Type.Enum([...blockchainKinds])),
    externalId: Type.Optional(ExternalId),
    hash: Type.Optional(Type.String({ maxLength: 200 })),
    taprootMerkleRoot: Type.Optional(Type.String({ maxLength: 200 })),
    // Eip712 sends an object; every other kind a hex string.
    message: Type.Optional(Type.Union([hexOf(MAX_MESSAGE_BYTES), JsonObject])),
    transaction: Type.Optional(Type.Union([hexOf(MAX_TRANSACTION_BYTES), JsonObject])),
    psbt: Type.Optional(hexOf(MAX_TRANSACTION_BYTES)),
    signDoc: Type.Optional(hexOf(MAX_TRANSACTION_BYTES)),
    format: Type.Optional(Type.String({ maxLength: 16 })),
    types: Type.Optional(JsonObject),
    domain: Type.Optional(JsonObject),
    primaryType: Type.Optional(Type.String({ maxLength: 200 })),
    address: Type.Optional(Type.String({ maxLength: 200 })),
    // Kinds walletd does not produce (SignerPayload, Cip8) still parse, so the refusal names the
    // kind and the network rather than an unexpected field.
    payload: Type.Optional(Type.Union([hexOf(MAX_TRANSACTION_BYTES), JsonObject])),
    externalAad: Type.Optional(hexOf(MAX_MESSAGE_BYTES)),
    context: Type.Optional(Type.String({ maxLength: 32 })),
    nonce: Type.Optional(Type.Union([Type.Integer({ minimum: 0 }), Type.String({ maxLength: 80 })])),
    chainId: Type.Optional(Type.Union([Type.Integer({ minimum: 0 }), Type.String({ maxLength: 80 })])),
  },
  { additionalProperties: false },
)
export type SignatureRequestBody = Static<typeof SignatureRequestBody>

const SignatureView = Type.Object({
  r: Type.String(),
  s: Type.String(),
  recid: Type.Optional(Type.Integer()),
  encoded: Type.Optional(Type.String()),
})

export const SignatureRequestView = Type.Object({
  id: Type.String(),
  walletId: Type.Optional(Type.String()),
  keyId: Type.String(),
  network: Type.Optional(Type.String()),
  requester: Type.Object({ userId: Type.String(), tokenId: Type.Optional(Type.String()) }),
  requestBody: Type.Record(Type.String(), Type.Unknown()),
  status: Type.Enum(['Pending', 'Executing', 'Signed', 'Confirmed', 'Failed', 'Rejected']),
  reason: Type.Optional(Type.String()),
  signature: Type.Optional(SignatureView),
  signatures: Type.Optional(Type.Array(SignatureView)),
  signedData: Type.Optional(Type.String()),
  approvalId: Type.Optional(Type.String()),
  externalId: Type.Optional(Type.String()),
  dateRequested: Type.String(),
  datePolicyResolved: Type.Optional(Type.String()),
  dateSigned: Type.Optional(Type.String()),
})
export type SignatureRequestView = Static<typeof SignatureRequestView>

export const SignatureList = Type.Object({
  ...pageSchema(SignatureRequestView).properties,
  keyId: Type.String(),
})
