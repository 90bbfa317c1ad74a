import { blake2b } from '@noble/hashes/blake2.js'
import { base58 } from '@scure/base'
import type { KeyType } from '../../custody/key-types.ts'
import { base58checkDecode, base58checkEncode, compressedSecp256k1, concatBytes } from '../bytes.ts'

// Base58check prefixes from the Tezos protocol (src/lib_crypto/base58.ml).
const PREFIXES = {
  tz1: Uint8Array.of(6, 161, 159),
  tz2: Uint8Array.of(6, 161, 161),
  tz3: Uint8Array.of(6, 161, 164),
  tz4: Uint8Array.of(6, 161, 166),
  KT1: Uint8Array.of(2, 90, 121),
} as const

/** tz1 for ed25519 keys, tz2 for secp256k1 keys: base58check(prefix ‖ BLAKE2b-160(key)). */
export function deriveTezosAddress(publicKey: Uint8Array, keyType: KeyType): string {
  const ed = keyType.curve === 'ed25519'
  const key = ed ? publicKey : compressedSecp256k1(publicKey)
  return base58checkEncode(base58, concatBytes(ed ? PREFIXES.tz1 : PREFIXES.tz2, blake2b(key, { dkLen: 20 })))
}

export function validateTezosAddress(address: string): string {
  const prefix = address.slice(0, 3) as keyof typeof PREFIXES
  const expected = PREFIXES[prefix]
  if (!expected) throw new Error('must be a tz1, tz2, tz3, tz4 or KT1 address')
  const payload = base58checkDecode(base58, address)
  if (
    payload.length !== 23 ||
    payload[0] !== expected[0] ||
    payload[1] !== expected[1] ||
    payload[2] !== expected[2]
  ) {
    throw new Error('has a wrong prefix or length')
  }
  return address
}
