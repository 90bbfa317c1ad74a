import { base32nopad } from '@scure/base'
import { concatBytes, crc16xmodem } from '../bytes.ts'

// StrKey version byte for an ed25519 account id: 6 << 3, which base32-encodes to a leading `G`.
const ACCOUNT_ID = 6 << 3

/** Stellar StrKey `G…`: base32(version ‖ key ‖ CRC-16/XMODEM little-endian), 56 characters. */
export function deriveStellarAddress(publicKey: Uint8Array): string {
  if (publicKey.length !== 32) throw new Error('a Stellar key is a 32-byte ed25519 public key')
  const body = concatBytes(Uint8Array.of(ACCOUNT_ID), publicKey)
  const crc = crc16xmodem(body)
  return base32nopad.encode(concatBytes(body, Uint8Array.of(crc & 0xff, crc >> 8)))
}

export function validateStellarAddress(address: string): string {
  if (!/^G[A-Z2-7]{55}$/.test(address)) throw new Error('must be a 56-character G… account id')
  const raw = base32nopad.decode(address)
  const body = raw.subarray(0, 33)
  const crc = crc16xmodem(body)
  if (raw[0] !== ACCOUNT_ID || raw[33] !== (crc & 0xff) || raw[34] !== crc >> 8) {
    throw new Error('has a wrong checksum')
  }
  return address
}
