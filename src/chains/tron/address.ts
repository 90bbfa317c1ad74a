import { keccak_256 } from '@noble/hashes/sha3.js'
import { base58 } from '@scure/base'
import { base58checkDecode, base58checkEncode, concatBytes, uncompressedSecp256k1 } from '../bytes.ts'

/** Tron: 0x41 ‖ last 20 bytes of keccak-256(uncompressed point), base58check → `T…`. */
export function tronAddressBytes(publicKey: Uint8Array): Uint8Array {
  const hash = keccak_256(uncompressedSecp256k1(publicKey).subarray(1))
  return concatBytes(Uint8Array.of(0x41), hash.subarray(12))
}

export function deriveTronAddress(publicKey: Uint8Array): string {
  return base58checkEncode(base58, tronAddressBytes(publicKey))
}

export function validateTronAddress(address: string): string {
  const payload = base58checkDecode(base58, address)
  if (payload.length !== 21 || payload[0] !== 0x41) throw new Error('must be a base58check T… address')
  return address
}
