import { type Static, Type } from 'typebox'
import { Id } from '../shared-schemas.ts'

/**
 * Transfer request schemas, shaped as SDK 0.8.21's `TransferAssetBody` / `GetTransferResponse`.
 * The body declares every field the EVM kinds use; the other kinds' fields pass through to the
 * service, which answers 400 naming the kind and the network (walletd moves EVM assets only).
 */

/** Every transfer kind the SDK knows, so a known-but-unserved kind is told apart from a typo. */
export const transferKinds = [
  'Native',
  'Aip21',
  'Asa',
  'Asset',
  'Cip56',
  'Cis2',
  'Cis7',
  'Coin',
  'Erc20',
  'Erc721',
  'Erc7984',
  'Hip17',
  'Hts',
  'Iou',
  'Sep41',
  'Snip2',
  'Snip3',
  'Spl',
  'Spl2022',
  'Tep74',
  'Trc10',
  'Trc20',
  'Trc721',
  'Xls33',
] as const

const Address = Type.String({ minLength: 1, maxLength: 128 })
/** Minimum units, as a decimal string (uint256 fits in 78 digits). */
const Amount = Type.String({ minLength: 1, maxLength: 78 })
export const Priority = Type.Enum(['Slow', 'Standard', 'Fast'])

export const TransferBody = Type.Object(
  {
    kind: Type.Enum([...transferKinds]),
    to: Type.Optional(Address),
    amount: Type.Optional(Amount),
    contract: Type.Optional(Address),
    tokenId: Type.Optional(Type.String({ minLength: 1, maxLength: 78 })),
    priority: Type.Optional(Priority),
    memo: Type.Optional(Type.String({ maxLength: 256 })),
    externalId: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    feeSponsorId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    travelRule: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  { additionalProperties: true },
)
export type TransferBody = Static<typeof TransferBody>

export const Requester = Type.Object({ userId: Type.String(), tokenId: Type.Optional(Type.String()) })

export const RequestStatus = Type.Enum([
  'Pending',
  'Executing',
  'Broadcasted',
  'Confirmed',
  'Failed',
  'Rejected',
])

const AssetMetadata = Type.Object({
  symbol: Type.Optional(Type.String()),
  decimals: Type.Optional(Type.Integer()),
  verified: Type.Optional(Type.Boolean()),
  quotes: Type.Optional(Type.Record(Type.String(), Type.Number())),
})

export const TransferView = Type.Object({
  id: Type.String(),
  walletId: Type.String(),
  network: Type.String(),
  requester: Requester,
  requestBody: Type.Record(Type.String(), Type.Unknown()),
  /** Transfers only; transaction requests (and replacements) have none. */
  metadata: Type.Optional(Type.Object({ asset: Type.Optional(AssetMetadata) })),
  status: RequestStatus,
  reason: Type.Optional(Type.String()),
  txHash: Type.Optional(Type.String()),
  fee: Type.Optional(Type.String()),
  dateRequested: Type.String(),
  datePolicyResolved: Type.Optional(Type.String()),
  dateBroadcasted: Type.Optional(Type.String()),
  dateConfirmed: Type.Optional(Type.String()),
  approvalId: Type.Optional(Type.String()),
  externalId: Type.Optional(Type.String()),
  replacementId: Type.Optional(Type.String()),
  details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
})
export type TransferView = Static<typeof TransferView>

export const TransferList = Type.Object({
  walletId: Type.String(),
  items: Type.Array(TransferView),
  nextPageToken: Type.Optional(Type.String()),
})

export const TransferParams = Type.Object({ walletId: Id, transferId: Id })
