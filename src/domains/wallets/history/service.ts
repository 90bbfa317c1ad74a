import { erc20Abi, erc721Abi, type Hex } from 'viem'
import { validateEvmAddress } from '../../../chains/evm/address.ts'
import type { EvmEndpoints } from '../../../chains/evm/endpoints.ts'
import type { EvmRpc } from '../../../chains/evm/rpc.ts'
import { type NetworkInfo, requireNetwork } from '../../../chains/networks.ts'
import { AppError, invalidField } from '../../../errors.ts'
import { pageCursor, pageOf } from '../../../pagination.ts'
import type { PriceSource } from '../../policies/index.ts'
import type { WalletRecord } from '../repository.ts'
import type { WalletService } from '../service.ts'
import type { Caller } from '../shared.ts'
import { DEFAULT_PAGE_SIZE } from '../shared-schemas.ts'
import type { HistoryRepository } from './repository.ts'
import type { Asset, Nft } from './schemas.ts'
import { isUnavailable, optionalRead, type TokenFactsReader } from './tokens.ts'
import { type ListedToken, toHistoryItem, toOrgHistoryItem } from './views.ts'

export interface HistoryQuery {
  limit?: number
  paginationToken?: string
  direction?: 'In' | 'Out'
  kind?: string
  contract?: string
}

export interface OrgHistoryQuery {
  limit?: number
  paginationToken?: string
  startTime: string
  endTime: string
}

export interface HistoryServiceDeps {
  readonly repository: HistoryRepository
  readonly wallets: WalletService
  readonly evm: EvmEndpoints
  readonly prices: PriceSource
  readonly tokens: TokenFactsReader
  readonly listed: ListedToken
  /** Operator-listed token contracts per network (EIP-55), always shown in assets. */
  readonly listedTokens: Readonly<Record<string, readonly string[]>>
}

const endUserOnly = (caller: Caller) => (caller.kind === 'EndUser' ? { delegatedTo: caller.userId } : {})

function time(value: string, field: string): string {
  const ms = Date.parse(value)
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(ms)) {
    throw invalidField(field, `${field} must be an ISO-8601 date-time.`, { location: 'querystring' })
  }
  return new Date(ms).toISOString()
}

/** The wallet's EVM network and RPC, or a 400 saying the wallet's network has no indexed history here. */
function evmOf(evm: EvmEndpoints, wallet: WalletRecord): { network: NetworkInfo; rpc: EvmRpc; address: Hex } {
  const network = requireNetwork(wallet.network)
  if (network.blockchainKind !== 'Evm' || !wallet.address) {
    throw new AppError(
      'validation_failed',
      `walletd reads balances on EVM networks only, not ${network.name}.`,
      {
        details: { field: 'walletId', network: network.name },
      },
    )
  }
  return { network, rpc: evm.rpcFor(network), address: wallet.address as Hex }
}

async function chainRead<T>(network: NetworkInfo, read: () => Promise<T>): Promise<T> {
  try {
    return await read()
  } catch (err) {
    if (isUnavailable(err)) {
      throw new AppError('service_unavailable', `${network.name} cannot be reached right now.`, {
        details: { network: network.name },
        cause: err,
      })
    }
    throw err
  }
}

export function createHistoryService(deps: HistoryServiceDeps) {
  const { repository } = deps

  async function quoteOf(symbol: string | undefined): Promise<number | undefined> {
    if (!symbol) return undefined
    return deps.prices.usdValue({ symbol, decimals: 0, amount: '1' })
  }

  return {
    async walletHistory(caller: Caller, walletId: string, query: HistoryQuery) {
      const wallet = await deps.wallets.requireWallet(caller, walletId)
      let contract: string | undefined
      if (query.contract !== undefined) {
        try {
          contract = validateEvmAddress(query.contract)
        } catch (err) {
          throw invalidField(
            'contract',
            `contract is not a valid EVM address: it ${(err as Error).message}`,
            {
              location: 'querystring',
            },
          )
        }
      }
      const { limit, beforeId } = pageCursor(query, DEFAULT_PAGE_SIZE)
      const rows = await repository.events({
        orgId: caller.orgId,
        walletId: wallet.id,
        ...(query.direction ? { direction: query.direction } : {}),
        ...(query.kind ? { kind: query.kind } : {}),
        ...(contract ? { contract } : {}),
        ...(beforeId ? { beforeId } : {}),
        limit: limit + 1,
      })
      const page = pageOf(rows, limit)
      return {
        walletId: wallet.id,
        network: wallet.network,
        items: page.items.map((r) => toHistoryItem(r, deps.listed)),
        ...(page.nextPageToken ? { nextPageToken: page.nextPageToken } : {}),
      }
    },

    async orgHistory(caller: Caller, query: OrgHistoryQuery) {
      const fromTime = time(query.startTime, 'startTime')
      const toTime = time(query.endTime, 'endTime')
      if (toTime < fromTime) {
        throw invalidField('endTime', 'endTime must not be before startTime.', { location: 'querystring' })
      }
      const { limit, beforeId } = pageCursor(query, DEFAULT_PAGE_SIZE)
      const rows = await repository.events({
        orgId: caller.orgId,
        ...endUserOnly(caller),
        fromTime,
        toTime,
        ...(beforeId ? { beforeId } : {}),
        limit: limit + 1,
      })
      const page = pageOf(rows, limit)
      return {
        orgId: caller.orgId,
        items: page.items.map(toOrgHistoryItem),
        ...(page.nextPageToken ? { nextPageToken: page.nextPageToken } : {}),
      }
    },

    async assets(caller: Caller, walletId: string, netWorth: boolean) {
      const wallet = await deps.wallets.requireWallet(caller, walletId)
      const { network, rpc, address } = evmOf(deps.evm, wallet)
      const native = network.nativeAsset ?? { symbol: '', decimals: 18 }
      const seen = await repository.contractsOf(wallet.id, 'Erc20Transfer')
      const contracts = [...new Set([...(deps.listedTokens[network.name] ?? []), ...seen])]
      const assets = await chainRead(network, async () => {
        const out: Asset[] = []
        const balance = await rpc.client.getBalance({ address })
        out.push({
          kind: 'Native',
          symbol: native.symbol,
          decimals: native.decimals,
          verified: true,
          balance: balance.toString(),
        })
        for (const contract of contracts) {
          const tokenBalance = await optionalRead(() =>
            rpc.client.readContract({
              address: contract as Hex,
              abi: erc20Abi,
              functionName: 'balanceOf',
              args: [address],
            }),
          )
          if (tokenBalance === undefined) continue
          const facts = await deps.tokens(rpc, network.name, contract, 'Erc20')
          out.push({
            kind: 'Erc20',
            contract,
            ...(facts.symbol !== undefined ? { symbol: facts.symbol } : {}),
            decimals: facts.decimals ?? 0,
            verified: deps.listed(network.name, contract),
            balance: tokenBalance.toString(),
          })
        }
        return out
      })
      let total = 0
      for (const asset of assets) {
        const usd = await quoteOf(asset.symbol)
        if (usd === undefined) continue
        asset.quotes = { USD: usd }
        total += (usd * Number(asset.balance)) / 10 ** asset.decimals
      }
      return {
        walletId: wallet.id,
        network: wallet.network,
        assets,
        ...(netWorth ? { netWorth: { USD: total } } : {}),
      }
    },

    async nfts(caller: Caller, walletId: string) {
      const wallet = await deps.wallets.requireWallet(caller, walletId)
      const { network, rpc, address } = evmOf(deps.evm, wallet)
      const candidates = await repository.tokensOf(wallet.id)
      const nfts = await chainRead(network, async () => {
        const out: Nft[] = []
        for (const { contract, tokenId } of candidates) {
          const args = [BigInt(tokenId)] as const
          const owner = await optionalRead(() =>
            rpc.client.readContract({
              address: contract as Hex,
              abi: erc721Abi,
              functionName: 'ownerOf',
              args,
            }),
          )
          if (owner?.toLowerCase() !== address.toLowerCase()) continue
          const facts = await deps.tokens(rpc, network.name, contract, 'Erc721')
          const tokenUri = await optionalRead(() =>
            rpc.client.readContract({
              address: contract as Hex,
              abi: erc721Abi,
              functionName: 'tokenURI',
              args,
            }),
          )
          out.push({
            kind: 'Erc721',
            contract,
            tokenId,
            ...(facts.symbol !== undefined ? { symbol: facts.symbol } : {}),
            ...(typeof tokenUri === 'string' && tokenUri.length <= 2048 ? { tokenUri } : {}),
          })
        }
        return out
      })
      return { walletId: wallet.id, network: wallet.network, nfts }
    },
  }
}

export type HistoryService = ReturnType<typeof createHistoryService>
