import { sha512_256 } from '@noble/hashes/sha2.js'
import { base32nopad } from '@scure/base'
import { concatBytes, equalBytes } from '../bytes.ts'

/** Algorand: base32(key ‖ last 4 bytes of SHA-512/256(key)), 58 characters, no padding. */
export function deriveAlgorandAddress(publicKey: Uint8Array): string {
  if (publicKey.length !== 32) throw new Error('an Algorand key is a 32-byte ed25519 public key')
  return base32nopad.encode(concatBytes(publicKey, sha512_256(publicKey).subarray(28)))
}

export function validateAlgorandAddress(address: string): string {
  if (!/^[A-Z2-7]{58}$/.test(address)) throw new Error('must be 58 base32 characters')
  const raw = base32nopad.decode(address)
  if (!equalBytes(sha512_256(raw.subarray(0, 32)).subarray(28), raw.subarray(32))) {
    throw new Error('has a wrong checksum')
  }
  return address
}
