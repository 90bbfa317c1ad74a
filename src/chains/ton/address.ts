import { crc16xmodem } from '../bytes.ts'

/**
 * TON addresses are validated, not derived: a wallet's address is the hash of its contract's
 * StateInit (code + data), so deriving it needs the exact wallet contract version Dfns deploys.
 *
 * Accepted: raw `0:<64 hex>` / `-1:<64 hex>`, and user-friendly base64/base64url of 36 bytes
 * (flags, workchain, 32-byte hash, CRC-16/XMODEM big-endian). On mainnet, a testnet-only flag fails.
 */
export function validateTonAddress(address: string, testnet: boolean): string {
  if (/^(0|-1):[0-9a-fA-F]{64}$/.test(address)) return address.toLowerCase()
  if (!/^[A-Za-z0-9+/_-]{48}$/.test(address))
    throw new Error('must be a raw or 48-character user-friendly address')
  const raw = Buffer.from(address.replace(/-/g, '+').replace(/_/g, '/'), 'base64')
  if (raw.length !== 36) throw new Error('must decode to 36 bytes')
  const crc = crc16xmodem(raw.subarray(0, 34))
  if (raw[34] !== crc >> 8 || raw[35] !== (crc & 0xff)) throw new Error('has a wrong checksum')
  const flags = raw[0]!
  if ((flags & 0x7f) !== 0x11 && (flags & 0x7f) !== 0x51) throw new Error('has unknown flags')
  if (flags & 0x80 && !testnet) throw new Error('is a testnet-only address')
  if (raw[1] !== 0x00 && raw[1] !== 0xff) throw new Error('has an unknown workchain')
  return address
}
