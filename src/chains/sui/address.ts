import { blake2b } from '@noble/hashes/blake2.js'
import { concatBytes, to0xHex } from '../bytes.ts'

// Signature-scheme flag for ed25519 in Sui (and IOTA, which shares Sui's address derivation).
const ED25519_FLAG = 0x00

/** Sui / IOTA: BLAKE2b-256(flag ‖ key). */
export function deriveSuiAddress(publicKey: Uint8Array): string {
  if (publicKey.length !== 32) throw new Error('a Sui key is a 32-byte ed25519 public key')
  return to0xHex(blake2b(concatBytes(Uint8Array.of(ED25519_FLAG), publicKey), { dkLen: 32 }))
}

export function validateSuiAddress(address: string): string {
  if (!/^0x[0-9a-fA-F]{64}$/.test(address)) throw new Error('must be 0x followed by 64 hex characters')
  return address.toLowerCase()
}
