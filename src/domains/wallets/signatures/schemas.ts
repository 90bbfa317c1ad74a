import { type Static, Type } from 'typebox'
import {
  blockchainKinds,
  MAX_MESSAGE_BYTES,
  MAX_TRANSACTION_BYTES,
  maxHexLength,
} from '../../../chains/index.ts'
import { pageSchema } from '../../../pagination.ts'
import { ExternalId, Id, NetworkName } from '../shared-schemas.ts'

/** Request and response schemas of signature requests, on wallets and on keys. */

export const WalletSignatureParams = Type.Object({ walletId: Id, signatureId: Id })
export const KeySignatureParams = Type.Object({ keyId: Id, signatureId: Id })

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
