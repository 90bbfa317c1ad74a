import { secp256k1 } from '@noble/curves/secp256k1.js'
import type { RawSignature, Scheme } from '../custody/key-types.ts'
import { concatBytes, to0xHex } from './bytes.ts'
import type { EcdsaEncoding } from './networks.ts'

/** The signature object of a Dfns SignatureRequest. `recid` only for ECDSA. */
export interface DfnsSignature {
  r: string
  s: string
  recid?: number
  encoded: string
}

/** What signing adds to a SignatureRequest: `signature`, `signatures` (multi-input), `signedData`. */
export interface SignatureOutcome {
  signature?: DfnsSignature
  signatures?: DfnsSignature[]
  signedData?: string
}

/**
 * Formats a raw signature for the response. ECDSA `encoded` depends on the chain: r‖s‖v with
 * v = 27 + recid (EVM, Tron), DER (XRPL, Bitcoin family, KeyECDSA) or r‖s (Cosmos, ICP, Tezos);
 * EdDSA and Schnorr are always the 64-byte r‖s.
 */
export function formatSignature(raw: RawSignature, scheme: Scheme, encoding: EcdsaEncoding): DfnsSignature {
  const r = to0xHex(raw.r)
  const s = to0xHex(raw.s)
  if (scheme !== 'ECDSA' || raw.recid === undefined)
    return { r, s, encoded: to0xHex(concatBytes(raw.r, raw.s)) }
  return { r, s, recid: raw.recid, encoded: to0xHex(encodeEcdsa(raw, encoding)) }
}

export function encodeEcdsa(raw: RawSignature, encoding: EcdsaEncoding): Uint8Array {
  switch (encoding) {
    case 'rsv':
      return concatBytes(raw.r, raw.s, Uint8Array.of(27 + (raw.recid ?? 0)))
    case 'rs':
      return concatBytes(raw.r, raw.s)
    case 'der':
      return derSignature(raw)
  }
}

export function derSignature(raw: RawSignature): Uint8Array {
  return secp256k1.Signature.fromBytes(concatBytes(raw.r, raw.s), 'compact').toBytes('der')
}
