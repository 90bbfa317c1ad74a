import { sha3_256 } from '@noble/hashes/sha3.js'
import { concatBytes, to0xHex } from '../bytes.ts'

// Authentication-key scheme byte for a single ed25519 key.
const ED25519_SCHEME = 0x00

/** Aptos: the account address of a fresh single-key account is SHA3-256(key ‖ 0x00). */
export function deriveAptosAddress(publicKey: Uint8Array): string {
  if (publicKey.length !== 32) throw new Error('an Aptos key is a 32-byte ed25519 public key')
  return to0xHex(sha3_256(concatBytes(publicKey, Uint8Array.of(ED25519_SCHEME))))
}

/** `0x` + 64 hex (AIP-40 long form; addresses carry no checksum). Returns lowercase. */
export function validateAptosAddress(address: string): string {
  if (!/^0x[0-9a-fA-F]{64}$/.test(address)) throw new Error('must be 0x followed by 64 hex characters')
  return address.toLowerCase()
}
