/**
 * The key types walletd can hold and the signing operations a held key can perform.
 * Chain code (src/chains) speaks only these types: it never sees private key bytes.
 */
export type Scheme = 'DH' | 'ECDSA' | 'EdDSA' | 'Schnorr'
export type Curve = 'ed25519' | 'secp256k1' | 'stark'

/** The scheme/curve pairs the software store can generate and sign with. */
export const supportedKeyTypes = [
  { scheme: 'ECDSA', curve: 'secp256k1' },
  { scheme: 'Schnorr', curve: 'secp256k1' },
  { scheme: 'EdDSA', curve: 'ed25519' },
] as const satisfies readonly KeyType[]

export interface KeyType {
  scheme: Scheme
  curve: Curve
}

export type SupportedKeyType = (typeof supportedKeyTypes)[number]

export function isSupportedKeyType(t: KeyType): t is SupportedKeyType {
  return supportedKeyTypes.some((s) => s.scheme === t.scheme && s.curve === t.curve)
}

/**
 * One signing operation, the unit the KeyStore exposes.
 * - `ecdsa`: secp256k1 ECDSA over a 32-byte digest the caller computed (RFC 6979 nonces, low-S).
 * - `schnorr`: BIP-340 over a 32-byte message. `taprootMerkleRoot` selects the key: absent = the
 *   untweaked key; empty = the BIP-86 key-path tweak (no script tree); 32 bytes = tweak with that root.
 * - `eddsa`: Ed25519 (RFC 8032, pure) over the message bytes.
 */
export type SignOperation =
  | { kind: 'ecdsa'; digest: Uint8Array }
  | { kind: 'schnorr'; message: Uint8Array; taprootMerkleRoot?: Uint8Array }
  | { kind: 'eddsa'; message: Uint8Array }

/** A raw signature: 32-byte big-endian r and s (EdDSA: R and S as encoded), recid for ECDSA. */
export interface RawSignature {
  r: Uint8Array
  s: Uint8Array
  recid?: number
}

/**
 * A handle on one held key: what chain code needs to produce signatures, without the private key.
 * `publicKey` is compressed SEC1 (33 bytes) for secp256k1 keys (ECDSA and Schnorr), 32 bytes for
 * ed25519.
 */
export interface KeySigner {
  readonly scheme: Scheme
  readonly curve: Curve
  readonly publicKey: Uint8Array
  sign(operation: SignOperation): Promise<RawSignature>
}
