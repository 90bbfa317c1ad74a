import { serializeTransaction } from 'viem'

/** An unsigned EIP-1559 transfer of `value` wei on Sepolia: what a wallet is asked to sign. */
export function unsignedSepoliaTransfer(
  value: bigint,
  options: { to?: `0x${string}`; nonce?: number } = {},
): `0x02${string}` {
  return serializeTransaction({
    type: 'eip1559',
    chainId: 11155111,
    nonce: options.nonce ?? 0,
    to: options.to ?? '0x1111111111111111111111111111111111111111',
    value,
    gas: 21_000n,
    maxFeePerGas: 2_000_000_000n,
    maxPriorityFeePerGas: 1_000_000_000n,
  })
}
