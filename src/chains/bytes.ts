import { secp256k1 } from '@noble/curves/secp256k1.js'
import { ripemd160 } from '@noble/hashes/legacy.js'
import { sha256 } from '@noble/hashes/sha2.js'

/** Small byte helpers shared by the chain families. */

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex')
}

export function to0xHex(bytes: Uint8Array): `0x${string}` {
  return `0x${toHex(bytes)}`
}

/** Strict hex (optional 0x, even length) → bytes; throws a plain Error, callers add the field name. */
export function fromHex(value: string): Uint8Array {
  const body = value.startsWith('0x') || value.startsWith('0X') ? value.slice(2) : value
  if (body.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(body)) throw new Error('is not valid hex')
  return Uint8Array.from(Buffer.from(body, 'hex'))
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  return Uint8Array.from(Buffer.concat(parts))
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.from(a).equals(Buffer.from(b))
}

export const hash160 = (data: Uint8Array): Uint8Array => ripemd160(sha256(data))
export const sha256d = (data: Uint8Array): Uint8Array => sha256(sha256(data))

/** 65-byte uncompressed SEC1 point from a 33- or 65-byte secp256k1 public key. */
export function uncompressedSecp256k1(publicKey: Uint8Array): Uint8Array {
  return secp256k1.Point.fromBytes(publicKey).toBytes(false)
}

export function compressedSecp256k1(publicKey: Uint8Array): Uint8Array {
  return secp256k1.Point.fromBytes(publicKey).toBytes(true)
}

/** CRC-16/XMODEM (poly 0x1021, init 0): Stellar StrKey and TON user-friendly addresses. */
export function crc16xmodem(data: Uint8Array): number {
  let crc = 0
  for (const byte of data) {
    crc ^= byte << 8
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff
  }
  return crc
}

/** Base58Check with Bitcoin's double-SHA-256 checksum over any base58 alphabet coder. */
export function base58checkEncode(coder: { encode(b: Uint8Array): string }, payload: Uint8Array): string {
  return coder.encode(concatBytes(payload, sha256d(payload).subarray(0, 4)))
}

export function base58checkDecode(coder: { decode(s: string): Uint8Array }, text: string): Uint8Array {
  let raw: Uint8Array
  try {
    raw = coder.decode(text)
  } catch {
    throw new Error('is not valid base58')
  }
  if (raw.length < 5) throw new Error('is too short')
  const payload = raw.subarray(0, raw.length - 4)
  if (!equalBytes(sha256d(payload).subarray(0, 4), raw.subarray(raw.length - 4))) {
    throw new Error('has a wrong checksum')
  }
  return payload
}
