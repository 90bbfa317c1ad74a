import { type Static, Type } from 'typebox'
import { Id } from '../shared-schemas.ts'
import { TransferView } from '../transfers/schemas.ts'

/**
 * Transaction request schemas, shaped as the SDK's `BroadcastTransactionBody` /
 * `GetTransactionResponse`. Every kind the SDK knows is accepted by the schema so that a
 * known-but-unserved kind is told apart from a typo: the service answers 400 naming the kind and the
 * network for anything but `Transaction`, `Evm` and `Eip1559` on an EVM network.
 */
export const transactionKinds = [
  'Transaction',
  'Evm',
  'Eip1559',
  'Psbt',
  'SignDocDirect',
  'UserOperations',
  'FunctionCall',
  'TransferPreapproval',
  'CreateSolanaNonceAccounts',
] as const

/** A quantity: a decimal string, a 0x hex string, or (nonce) a number. */
const Quantity = Type.String({ minLength: 1, maxLength: 80 })

export const TransactionBody = Type.Object(
  {
    kind: Type.Enum([...transactionKinds]),
    transaction: Type.Optional(Type.Unknown()),
    to: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    value: Type.Optional(Quantity),
    data: Type.Optional(Type.String({ maxLength: 262_144 })),
    nonce: Type.Optional(Type.Union([Type.Integer({ minimum: 0 }), Quantity])),
    gasLimit: Type.Optional(Quantity),
    maxFeePerGas: Type.Optional(Quantity),
    maxPriorityFeePerGas: Type.Optional(Quantity),
    externalId: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  },
  { additionalProperties: true },
)
export type TransactionBody = Static<typeof TransactionBody>

/** A TransactionRequest is a TransferRequest without `metadata`, which transactions never carry. */
export const TransactionView = TransferView
export type TransactionView = Static<typeof TransactionView>

export const TransactionList = Type.Object({
  walletId: Type.String(),
  items: Type.Array(TransactionView),
  nextPageToken: Type.Optional(Type.String()),
})

export const TransactionParams = Type.Object({ walletId: Id, transactionId: Id })
