import { type Static, Type } from 'typebox'
import { pageQuery } from '../../../pagination.ts'

export const S = Type.String()
export const opt = <T extends Parameters<typeof Type.Optional>[0]>(t: T) => Type.Optional(t)

/** The SDK's blockchain event kinds; walletd stores the EVM ones (Native, Erc20, Erc721). */
export const HISTORY_KINDS = [
  'NativeTransfer',
  'Aip21Transfer',
  'AsaTransfer',
  'AssetTransfer',
  'Cip56Transfer',
  'Cis2Transfer',
  'Cis7Transfer',
  'CoinTransfer',
  'Erc20Transfer',
  'Erc721Transfer',
  'Erc7984Transfer',
  'Hip17Transfer',
  'HtsTransfer',
  'IouTransfer',
  'LockedCoinTransfer',
  'Sep41Transfer',
  'Snip2Transfer',
  'Snip3Transfer',
  'SplTransfer',
  'Spl2022Transfer',
  'Tep74Transfer',
  'Trc10Transfer',
  'Trc20Transfer',
  'Trc721Transfer',
  'UtxoTransfer',
  'Xls33Transfer',
] as const

const AssetMeta = Type.Object({
  symbol: opt(S),
  decimals: opt(Type.Integer()),
  verified: opt(Type.Boolean()),
  quotes: opt(Type.Record(S, Type.Number())),
})

/** Every field any EVM history item carries; each kind fills its own (views.ts). */
export const HistoryItem = Type.Object({
  walletId: S,
  direction: S,
  network: S,
  blockNumber: Type.Integer(),
  txHash: S,
  index: opt(S),
  timestamp: S,
  metadata: Type.Object({ asset: AssetMeta, fee: opt(AssetMeta) }),
  kind: S,
  contract: opt(S),
  from: opt(S),
  to: opt(S),
  value: opt(S),
  tokenId: opt(S),
  fee: opt(S),
  symbol: opt(S),
  decimals: opt(Type.Integer()),
  verified: opt(Type.Boolean()),
})

export const HistoryQuery = pageQuery({
  direction: opt(Type.Union([Type.Literal('In'), Type.Literal('Out')])),
  kind: opt(Type.Union(HISTORY_KINDS.map((k) => Type.Literal(k)))),
  contract: opt(Type.String({ minLength: 1, maxLength: 128 })),
})

export const OrgHistoryQuery = pageQuery({
  startTime: Type.String({ minLength: 1, maxLength: 64 }),
  endTime: Type.String({ minLength: 1, maxLength: 64 }),
})

export const OrgHistoryItem = Type.Object({
  timestamp: S,
  walletId: S,
  network: S,
  direction: S,
  from: opt(S),
  to: opt(S),
  amount: opt(S),
  tokenId: opt(S),
  asset: opt(S),
  symbol: opt(S),
  decimals: opt(S),
  fee: opt(S),
  feeSymbol: opt(S),
  feeDecimals: opt(S),
  txHash: S,
})

export const Asset = Type.Object({
  kind: S,
  contract: opt(S),
  symbol: opt(S),
  decimals: Type.Integer(),
  verified: opt(Type.Boolean()),
  balance: S,
  quotes: opt(Type.Record(S, Type.Number())),
})

export const Nft = Type.Object({ kind: S, contract: S, tokenId: S, symbol: opt(S), tokenUri: opt(S) })

export type HistoryItem = Static<typeof HistoryItem>
export type OrgHistoryItem = Static<typeof OrgHistoryItem>
export type Asset = Static<typeof Asset>
export type Nft = Static<typeof Nft>
