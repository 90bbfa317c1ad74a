import { findNetwork } from '../../../chains/networks.ts'
import type { ChainEventRow } from './repository.ts'
import type { HistoryItem, OrgHistoryItem } from './schemas.ts'

/** Is this token contract one the operator listed (`WALLETD_EVM_TOKENS`)? Listed tokens are `verified`. */
export type ListedToken = (network: string, contract: string) => boolean

function nativeOf(network: string) {
  return findNetwork(network)?.nativeAsset
}

/**
 * A stored event as the SDK's history item (`GET /wallets/:id/history`, and the `blockchainEvent`
 * of `wallet.blockchainevent.detected`). `index` is the log's index in its block (absent for a
 * native transfer); `fee` is the transaction's fee, paid by its sender.
 */
export function toHistoryItem(row: ChainEventRow, listed: ListedToken): HistoryItem {
  const native = nativeOf(row.network)
  const feeAsset = native ? { symbol: native.symbol, decimals: native.decimals, verified: true } : undefined
  const common = {
    walletId: row.wallet_id,
    direction: row.direction,
    network: row.network,
    blockNumber: Number(row.block_number),
    txHash: row.tx_hash,
    ...(row.log_index !== null ? { index: String(row.log_index) } : {}),
    timestamp: row.timestamp,
  }
  const fee = row.fee !== null ? { fee: row.fee } : {}
  const quotes = row.usd_price !== null ? { quotes: { USD: Number(row.usd_price) } } : {}
  if (row.kind === 'NativeTransfer') {
    return {
      ...common,
      metadata: { asset: { ...feeAsset, ...quotes }, ...(feeAsset ? { fee: feeAsset } : {}) },
      kind: row.kind,
      from: row.from_address,
      to: row.to_address,
      value: row.value ?? '0',
      ...fee,
      symbol: native?.symbol ?? '',
      decimals: native?.decimals ?? 0,
      verified: true,
    }
  }
  const verified = listed(row.network, row.contract as string)
  const symbol = row.symbol !== null ? { symbol: row.symbol } : {}
  const decimals = row.decimals !== null ? { decimals: Number(row.decimals) } : {}
  const asset = { ...symbol, ...decimals, verified, ...quotes }
  const metadata = { asset, ...(feeAsset ? { fee: feeAsset } : {}) }
  if (row.kind === 'Erc20Transfer') {
    return {
      ...common,
      metadata,
      kind: row.kind,
      contract: row.contract ?? '',
      from: row.from_address,
      to: row.to_address,
      value: row.value ?? '0',
      ...fee,
      ...symbol,
      // The SDK requires it; a token that does not answer decimals() counts in whole units.
      decimals: row.decimals !== null ? Number(row.decimals) : 0,
      verified,
    }
  }
  return {
    ...common,
    metadata,
    kind: row.kind,
    contract: row.contract ?? '',
    from: row.from_address,
    to: row.to_address,
    tokenId: row.token_id ?? '',
    ...fee,
    ...symbol,
    verified,
  }
}

/**
 * A stored event as an item of `GET /wallets/all/history`: flat strings. `asset` is the token
 * contract, or the native symbol for a native transfer; `amount` the value in minimum units.
 */
export function toOrgHistoryItem(row: ChainEventRow): OrgHistoryItem {
  const native = nativeOf(row.network)
  return {
    timestamp: row.timestamp,
    walletId: row.wallet_id,
    network: row.network,
    direction: row.direction,
    from: row.from_address,
    to: row.to_address,
    ...(row.value !== null ? { amount: row.value } : {}),
    ...(row.token_id !== null ? { tokenId: row.token_id } : {}),
    ...(row.kind === 'NativeTransfer'
      ? native
        ? { asset: native.symbol, symbol: native.symbol, decimals: String(native.decimals) }
        : {}
      : {
          ...(row.contract !== null ? { asset: row.contract } : {}),
          ...(row.symbol !== null ? { symbol: row.symbol } : {}),
          ...(row.decimals !== null ? { decimals: String(row.decimals) } : {}),
        }),
    ...(row.fee !== null ? { fee: row.fee } : {}),
    ...(native ? { feeSymbol: native.symbol, feeDecimals: String(native.decimals) } : {}),
    txHash: row.tx_hash,
  }
}
