import { validateBase58Address } from '../bitcoin/address.ts'
import { compressedSecp256k1, hash160 } from '../bytes.ts'

/**
 * Bitcoin Cash CashAddr (spec: bitcoincashorg "cashaddr.md"): `prefix:` + base32 of
 * version byte ‖ hash, with a 40-bit BCH-code checksum over the prefix and the payload.
 */
const CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l'
const GENERATORS = [0x98f2bc8e61n, 0x79b76d99e2n, 0xf33e5fb3c4n, 0xae2eabe2a8n, 0x1e4f43e470n]

export interface CashAddrParams {
  prefix: string
  pubKeyHash: number
  scriptHash: number
}

function polymod(values: number[]): bigint {
  let c = 1n
  for (const d of values) {
    const c0 = c >> 35n
    c = ((c & 0x07ffffffffn) << 5n) ^ BigInt(d)
    for (let i = 0; i < 5; i++) if ((c0 >> BigInt(i)) & 1n) c ^= GENERATORS[i]!
  }
  return c ^ 1n
}

function prefixValues(prefix: string): number[] {
  return [...prefix].map((ch) => ch.charCodeAt(0) & 0x1f).concat([0])
}

function toFiveBits(bytes: Uint8Array): number[] {
  const out: number[] = []
  let acc = 0
  let bits = 0
  for (const byte of bytes) {
    acc = (acc << 8) | byte
    bits += 8
    while (bits >= 5) {
      bits -= 5
      out.push((acc >> bits) & 31)
    }
  }
  if (bits > 0) out.push((acc << (5 - bits)) & 31)
  return out
}

function fromFiveBits(values: number[]): Uint8Array {
  const out: number[] = []
  let acc = 0
  let bits = 0
  for (const v of values) {
    acc = ((acc << 5) | v) & 0xffff
    bits += 5
    if (bits >= 8) {
      bits -= 8
      out.push((acc >> bits) & 0xff)
    }
  }
  if (bits >= 5 || (acc << (8 - bits)) & 0xff) throw new Error('has non-zero padding')
  return Uint8Array.from(out)
}

/** `prefix:` + base32(version ‖ payload ‖ 40-bit checksum): the CashAddr form, also used by Kaspa. */
export function encodeCashAddrPayload(prefix: string, version: number, payload: Uint8Array): string {
  const values = toFiveBits(Uint8Array.from([version, ...payload]))
  const checksum = polymod([...prefixValues(prefix), ...values, 0, 0, 0, 0, 0, 0, 0, 0])
  const checksumValues = Array.from({ length: 8 }, (_, i) => Number((checksum >> BigInt(5 * (7 - i))) & 31n))
  return `${prefix}:${[...values, ...checksumValues].map((v) => CHARSET[v]).join('')}`
}

/** Decodes `prefix:body` (or a bare body, taken to use `expectedPrefix`); checks case and checksum. */
export function decodeCashAddrPayload(
  address: string,
  expectedPrefix: string,
): { prefix: string; body: string; version: number; payload: Uint8Array } {
  const lower = address.toLowerCase()
  if (address !== lower && address !== address.toUpperCase()) throw new Error('mixes upper and lower case')
  const [prefix, body] = lower.includes(':') ? lower.split(':', 2) : [expectedPrefix, lower]
  if (prefix !== expectedPrefix) throw new Error(`must use the ${expectedPrefix}: prefix`)
  const values = [...(body ?? '')].map((ch) => CHARSET.indexOf(ch))
  if (values.length < 9 || values.some((v) => v < 0)) throw new Error(`is not a ${expectedPrefix}: address`)
  if (polymod([...prefixValues(prefix), ...values]) !== 0n) throw new Error('has a wrong checksum')
  const bytes = fromFiveBits(values.slice(0, -8))
  return { prefix, body: body!, version: bytes[0]!, payload: bytes.subarray(1) }
}

export function encodeCashAddr(prefix: string, type: 0 | 1, hash: Uint8Array): string {
  if (hash.length !== 20) throw new Error('only 160-bit hashes are encoded')
  return encodeCashAddrPayload(prefix, type << 3, hash)
}

export function deriveCashAddr(publicKey: Uint8Array, params: CashAddrParams): string {
  return encodeCashAddr(params.prefix, 0, hash160(compressedSecp256k1(publicKey)))
}

/** CashAddr with or without the prefix (canonical form returned with it), or a legacy base58 address. */
export function validateCashAddr(address: string, params: CashAddrParams): string {
  if (/^[13mn2]/.test(address) && !address.includes(':')) return validateBase58Address(address, params)
  const { prefix, body, version, payload } = decodeCashAddrPayload(address, params.prefix)
  if ((version & 0x07) !== 0 || payload.length !== 20) throw new Error('must hold a 160-bit hash')
  if (version >> 3 !== 0 && version >> 3 !== 1) throw new Error('has an unknown address type')
  return `${prefix}:${body}`
}
