import { keccak_256 } from '@noble/hashes/sha3.js'
import { getAddress } from 'viem'
import { to0xHex, uncompressedSecp256k1 } from '../bytes.ts'

/** The EIP-55 checksummed address of a secp256k1 public key (keccak-256 of the point, last 20 bytes). */
export function deriveEvmAddress(publicKey: Uint8Array): string {
  return getAddress(to0xHex(keccak_256(uncompressedSecp256k1(publicKey).subarray(1)).subarray(12)))
}

/**
 * Accepts `0x` + 40 hex. All-lowercase or all-uppercase input carries no checksum and is accepted;
 * mixed case must be the exact EIP-55 form. Returns the EIP-55 form.
 */
export function validateEvmAddress(address: string): string {
  if (!/^0x[0-9a-fA-F]{40}$/.test(address)) throw new Error('must be 0x followed by 40 hex characters')
  const body = address.slice(2)
  const checksummed = getAddress(address.toLowerCase())
  if (body !== body.toLowerCase() && body !== body.toUpperCase() && address !== checksummed) {
    throw new Error('has a wrong EIP-55 checksum')
  }
  return checksummed
}
