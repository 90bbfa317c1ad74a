import { blake2b } from '@noble/hashes/blake2.js'
import { base58 } from '@scure/base'
import { concatBytes, equalBytes } from '../bytes.ts'

const SS58PRE = new TextEncoder().encode('SS58PRE')

function prefixBytes(prefix: number): Uint8Array {
  if (prefix < 64) return Uint8Array.of(prefix)
  // Two-byte form for prefixes 64..16383 (SS58 spec).
  return Uint8Array.of(((prefix & 0xfc) >> 2) | 0x40, (prefix >> 8) | ((prefix & 0x03) << 6))
}

function checksum(prefixed: Uint8Array): Uint8Array {
  return blake2b(concatBytes(SS58PRE, prefixed), { dkLen: 64 }).subarray(0, 2)
}

/** SS58: base58(prefix ‖ key ‖ first 2 bytes of BLAKE2b-512("SS58PRE" ‖ prefix ‖ key)). */
export function deriveSs58Address(publicKey: Uint8Array, prefix: number): string {
  if (publicKey.length !== 32) throw new Error('an SS58 account is a 32-byte public key')
  const prefixed = concatBytes(prefixBytes(prefix), publicKey)
  return base58.encode(concatBytes(prefixed, checksum(prefixed)))
}

/** Checks checksum and prefix; `alsoAccept` lists further prefixes taken as the same network. */
export function validateSs58Address(address: string, prefix: number, alsoAccept: number[] = []): string {
  let raw: Uint8Array
  try {
    raw = base58.decode(address)
  } catch {
    throw new Error('is not valid base58')
  }
  const accepted = [prefix, ...alsoAccept]
  const match = accepted
    .map(prefixBytes)
    .find((p) => raw.length === p.length + 34 && equalBytes(raw.subarray(0, p.length), p))
  if (!match) {
    if (raw.length !== 35 && raw.length !== 36) throw new Error('has the wrong length')
    throw new Error(`must use SS58 prefix ${accepted.join(' or ')}`)
  }
  if (!equalBytes(checksum(raw.subarray(0, raw.length - 2)), raw.subarray(raw.length - 2))) {
    throw new Error('has a wrong checksum')
  }
  return address
}
