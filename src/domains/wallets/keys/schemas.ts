import { type Static, Type } from 'typebox'
import { pageSchema } from '../../../pagination.ts'
import { Id, Name } from '../shared-schemas.ts'

/** Request and response schemas of the key routes, key export/import and `GET /signers`. */

export const Scheme = Type.Enum(['DH', 'ECDSA', 'EdDSA', 'Schnorr'])
export type Scheme = Static<typeof Scheme>
export const Curve = Type.Enum(['ed25519', 'secp256k1', 'stark'])
export type Curve = Static<typeof Curve>
const Protocol = Type.Enum(['CGGMP24', 'FROST', 'FROST_BITCOIN', 'GLOW20_DH', 'KU23', 'CGGMP21'])

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

/** The key material of an import, for a key or a wallet. */
export const importFields = {
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
