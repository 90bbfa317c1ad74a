import type { KeyType } from '../../custody/key-types.ts'
import { decodeCashAddrPayload, encodeCashAddrPayload } from '../bitcoincash/address.ts'
import { compressedSecp256k1 } from '../bytes.ts'

// Address versions (rusty-kaspa `Version`): x-only Schnorr key, compressed ECDSA key, script hash.
const PUBKEY = 0
const PUBKEY_ECDSA = 1
const SCRIPT_HASH = 8
const PAYLOAD_LENGTH: Record<number, number> = { [PUBKEY]: 32, [PUBKEY_ECDSA]: 33, [SCRIPT_HASH]: 32 }

/**
 * Kaspa: CashAddr-style `kaspa:` / `kaspatest:` addresses that carry the public key itself —
 * the x-only key (version 0) for Schnorr keys, the compressed key (version 1) for ECDSA keys.
 */
export function deriveKaspaAddress(publicKey: Uint8Array, keyType: KeyType, prefix: string): string {
  const compressed = compressedSecp256k1(publicKey)
  return keyType.scheme === 'Schnorr'
    ? encodeCashAddrPayload(prefix, PUBKEY, compressed.subarray(1))
    : encodeCashAddrPayload(prefix, PUBKEY_ECDSA, compressed)
}

export function validateKaspaAddress(address: string, prefix: string): string {
  const decoded = decodeCashAddrPayload(address, prefix)
  const expected = PAYLOAD_LENGTH[decoded.version]
  if (expected === undefined) throw new Error('has an unknown address version')
  if (decoded.payload.length !== expected) throw new Error('has the wrong payload length for its version')
  return `${decoded.prefix}:${decoded.body}`
}
