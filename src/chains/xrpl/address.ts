import { base58xrp } from '@scure/base'
import { base58checkDecode, base58checkEncode, compressedSecp256k1, concatBytes, hash160 } from '../bytes.ts'

/** XRPL classic address `r…`: base58check (XRP alphabet) of 0x00 ‖ RIPEMD-160(SHA-256(key)). */
export function deriveXrplAddress(publicKey: Uint8Array): string {
  return base58checkEncode(base58xrp, concatBytes(Uint8Array.of(0), hash160(compressedSecp256k1(publicKey))))
}

export function validateXrplAddress(address: string): string {
  if (!address.startsWith('r')) throw new Error('must be a classic r… address')
  const payload = base58checkDecode(base58xrp, address)
  if (payload.length !== 21 || payload[0] !== 0) throw new Error('must be a classic r… address')
  return address
}
