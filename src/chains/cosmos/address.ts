import { bech32 } from '@scure/base'
import { compressedSecp256k1, hash160 } from '../bytes.ts'

/** Cosmos SDK account address: bech32(hrp, RIPEMD-160(SHA-256(compressed key))). */
export function deriveCosmosAddress(publicKey: Uint8Array, hrp: string): string {
  return bech32.encode(hrp, bech32.toWords(hash160(compressedSecp256k1(publicKey))))
}

/** 20-byte accounts and 32-byte module/contract accounts, with this chain's prefix. */
export function validateCosmosAddress(address: string, hrp: string): string {
  const lower = address.toLowerCase()
  if (address !== lower && address !== address.toUpperCase()) throw new Error('mixes upper and lower case')
  let decoded: { prefix: string; words: number[] }
  try {
    decoded = bech32.decode(lower as `${string}1${string}`, 90)
  } catch {
    throw new Error('is not valid bech32 (wrong checksum or characters)')
  }
  if (decoded.prefix !== hrp) throw new Error(`must start with ${hrp}1`)
  const data = bech32.fromWords(decoded.words)
  if (data.length !== 20 && data.length !== 32) throw new Error('must hold 20 or 32 bytes')
  return lower
}
