import { toHex } from '../bytes.ts'

/** NEAR implicit account: the lowercase hex of the ed25519 public key. */
export function deriveNearAddress(publicKey: Uint8Array): string {
  if (publicKey.length !== 32) throw new Error('a NEAR key is a 32-byte ed25519 public key')
  return toHex(publicKey)
}

// Named accounts per the NEAR account-id rules: 2–64 chars, parts of [a-z0-9] joined by - or _, dots between.
const NAMED = /^(([a-z\d]+[-_])*[a-z\d]+\.)*([a-z\d]+[-_])*[a-z\d]+$/

export function validateNearAddress(address: string): string {
  if (address.length < 2 || address.length > 64 || !NAMED.test(address)) {
    throw new Error('must be a NEAR account id (64 lowercase hex, or a named account)')
  }
  return address
}
