import type { Hex } from 'viem'
import { validateEvmAddress } from '../../../chains/evm/address.ts'
import type { EvmEndpoints } from '../../../chains/evm/endpoints.ts'
import { callOfTransfer, type EvmTransferIntent } from '../../../chains/evm/transfers.ts'
import { type NetworkInfo, requireNetwork } from '../../../chains/networks.ts'
import { AppError } from '../../../errors.ts'
import type { PriceSource } from '../../policies/index.ts'
import type { Caller } from '../shared.ts'
import type { PageQuery } from '../shared-schemas.ts'
import { type AssetFacts, inspectTransfer } from './chain-checks.ts'
import type { RequestPipeline } from './requests.ts'
import type { TransferBody, TransferView } from './schemas.ts'

export { toTransferView } from './views.ts'

export interface TransfersDeps {
  readonly pipeline: RequestPipeline
  readonly evm: EvmEndpoints
  readonly prices: PriceSource
}

const EVM_KINDS = new Set(['Native', 'Erc20', 'Erc721'])

function invalid(field: string, message: string, details: Record<string, unknown> = {}): AppError {
  return new AppError('validation_failed', `${field} ${message}`, { details: { field, ...details } })
}

function address(value: string | undefined, field: string): Hex {
  if (value === undefined) throw invalid(field, 'is required')
  try {
    return validateEvmAddress(value) as Hex
  } catch (err) {
    throw invalid(field, `is not a valid EVM address: it ${(err as Error).message}`)
  }
}

function uint(value: string | undefined, field: string, { positive }: { positive: boolean }): bigint {
  if (value === undefined) throw invalid(field, 'is required')
  if (!/^(0|[1-9][0-9]{0,77})$/.test(value))
    throw invalid(field, 'must be a non-negative integer in minimum units')
  const n = BigInt(value)
  if (n >= 2n ** 256n) throw invalid(field, 'does not fit in 256 bits')
  if (positive && n === 0n) throw invalid(field, 'must be greater than 0')
  return n
}

/** The body's kind and fields as an EVM intent, or a 400 naming what is wrong. */
function intentOf(network: NetworkInfo, body: TransferBody): EvmTransferIntent {
  if (!EVM_KINDS.has(body.kind) || network.blockchainKind !== 'Evm') {
    throw new AppError(
      'validation_failed',
      `Transfer kind ${body.kind} is not supported on ${network.name}.`,
      {
        details: { field: 'kind', kind: body.kind, network: network.name },
      },
    )
  }
  if (body.feeSponsorId !== undefined) throw invalid('feeSponsorId', 'is not supported by walletd')
  if (body.memo !== undefined) throw invalid('memo', `is not supported on ${network.name}`)
  const to = address(body.to, 'to')
  if (body.kind === 'Native')
    return { kind: 'Native', to, amount: uint(body.amount, 'amount', { positive: true }) }
  const contract = address(body.contract, 'contract')
  if (body.kind === 'Erc20') {
    return { kind: 'Erc20', contract, to, amount: uint(body.amount, 'amount', { positive: true }) }
  }
  return { kind: 'Erc721', contract, to, tokenId: uint(body.tokenId, 'tokenId', { positive: false }) }
}

/**
 * Transfer requests (`/wallets/:id/transfers`) on the shared request pipeline (requests.ts): the
 * kind and fields (400 naming them), then the chain checks before storing (400: unknown token,
 * insufficient balance, token not owned; 503 when the chain cannot be reached) — see the README
 * for why these and not others.
 */
export function createTransfersService(deps: TransfersDeps) {
  const { pipeline } = deps

  async function assetMetadata(asset: AssetFacts | undefined) {
    if (!asset) return {}
    const quote = await deps.prices.usdValue({
      symbol: asset.symbol,
      decimals: asset.decimals,
      amount: (10n ** BigInt(asset.decimals)).toString(),
    })
    return {
      asset: {
        symbol: asset.symbol,
        decimals: asset.decimals,
        verified: asset.native,
        ...(quote !== undefined ? { quotes: { USD: quote } } : {}),
      },
    }
  }

  return {
    async create(caller: Caller, walletId: string, body: TransferBody): Promise<TransferView> {
      const prepared = await pipeline.prepare(caller, walletId, body)
      if (prepared.replayed) return prepared.replayed
      const { wallet } = prepared
      const network = requireNetwork(wallet.network, 'network')
      const intent = intentOf(network, body)
      const from = wallet.address as Hex
      const asset = await inspectTransfer(deps.evm.rpcFor(network), network, from, intent)
      const call = callOfTransfer(from, intent)
      const record = pipeline.draft(
        caller,
        wallet,
        network,
        body as Record<string, unknown>,
        {
          to: call.to,
          value: call.value.toString(),
          data: call.data,
          ...(body.priority ? { priority: body.priority } : {}),
        },
        await assetMetadata(asset),
      )
      return pipeline.submit(caller, wallet, record, {
        recipient: intent.to,
        ...(asset
          ? {
              value: {
                symbol: asset.symbol,
                decimals: asset.decimals,
                amount: (intent.kind === 'Erc721' ? 1n : intent.amount).toString(),
              },
            }
          : {}),
      })
    },
    list: (caller: Caller, walletId: string, query: PageQuery) => pipeline.list(caller, walletId, query),
    get: (caller: Caller, walletId: string, id: string) => pipeline.get(caller, walletId, id),
    abort: (caller: Caller, walletId: string, id: string) => pipeline.abort(caller, walletId, id),
    onApprovalResolved: pipeline.onApprovalResolved,
  }
}

export type TransfersService = ReturnType<typeof createTransfersService>
