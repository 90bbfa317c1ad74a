import { base58 } from '@scure/base'

/** A Solana address is the base58 of the 32-byte ed25519 public key. */
export function deriveSolanaAddress(publicKey: Uint8Array): string {
  if (publicKey.length !== 32) throw new Error('a Solana key is a 32-byte ed25519 public key')
  return base58.encode(publicKey)
}

/** 32 bytes in base58 (Solana addresses have no checksum; program-derived addresses are off-curve). */
export function validateSolanaAddress(address: string): string {
  let raw: Uint8Array
  try {
    raw = base58.decode(address)
  } catch {
    throw new Error('is not valid base58')
  }
  if (raw.length !== 32) throw new Error('must decode to 32 bytes')
  return address
}
