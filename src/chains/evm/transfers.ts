import { encodeFunctionData, erc20Abi, erc721Abi, type Hex } from 'viem'

/** What a transfer asks the chain to do, before nonce, gas and fees are known. */
export type EvmTransferIntent =
  | { kind: 'Native'; to: Hex; amount: bigint }
  | { kind: 'Erc20'; contract: Hex; to: Hex; amount: bigint }
  | { kind: 'Erc721'; contract: Hex; to: Hex; tokenId: bigint }

export interface EvmCall {
  to: Hex
  value: bigint
  data: Hex
}

/**
 * The call a transfer makes. ERC-721 uses `transferFrom`, not `safeTransferFrom`: Dfns transfers
 * to any address, and `safeTransferFrom` would revert on a contract recipient that does not
 * implement `onERC721Received` (decision written in the transfers README).
 */
export function callOfTransfer(from: Hex, intent: EvmTransferIntent): EvmCall {
  switch (intent.kind) {
    case 'Native':
      return { to: intent.to, value: intent.amount, data: '0x' }
    case 'Erc20':
      return {
        to: intent.contract,
        value: 0n,
        data: encodeFunctionData({
          abi: erc20Abi,
          functionName: 'transfer',
          args: [intent.to, intent.amount],
        }),
      }
    case 'Erc721':
      return {
        to: intent.contract,
        value: 0n,
        data: encodeFunctionData({
          abi: erc721Abi,
          functionName: 'transferFrom',
          args: [from, intent.to, intent.tokenId],
        }),
      }
  }
}
