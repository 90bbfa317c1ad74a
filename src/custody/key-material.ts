import { createPrivateKey, createPublicKey, sign as nodeSign, randomBytes } from 'node:crypto'
import { inspect } from 'node:util'
import { schnorr, secp256k1 } from '@noble/curves/secp256k1.js'
import type { KeySigner, RawSignature, SignOperation, SupportedKeyType } from './key-types.ts'

/**
 * Private key bytes in memory. The bytes are reachable only through `reveal()`; printing, logging,
 * JSON-serialising or inspecting the object shows a placeholder, so a stray `log.info({key})` or an
 * error that carries the object cannot leak the key.
 */
export class PrivateKey {
  readonly #bytes: Uint8Array

  constructor(bytes: Uint8Array) {
    this.#bytes = Uint8Array.from(bytes)
  }

  reveal(): Uint8Array {
    return this.#bytes
  }

  /** Overwrite the bytes once they are no longer needed (best effort: copies made earlier remain). */
  wipe(): void {
    this.#bytes.fill(0)
  }

  toJSON(): string {
    return '[PrivateKey]'
  }

  toString(): string {
    return '[PrivateKey]'
  }

  [inspect.custom](): string {
    return '[PrivateKey]'
  }
}

const SECP256K1_N = secp256k1.Point.Fn.ORDER

/** A fresh private key from the operating system's CSPRNG (node:crypto randomBytes). */
export function generatePrivateKey(type: SupportedKeyType): PrivateKey {
  if (type.curve === 'ed25519') return new PrivateKey(randomBytes(32))
  // Rejection sampling: the chance that 32 random bytes are not a valid scalar is ~2^-128.
  for (;;) {
    const candidate = randomBytes(32)
    if (isValidSecp256k1Scalar(candidate)) return new PrivateKey(candidate)
  }
}

export function isValidSecp256k1Scalar(bytes: Uint8Array): boolean {
  if (bytes.length !== 32) return false
  const n = bytesToBigInt(bytes)
  return n > 0n && n < SECP256K1_N
}

/** Throws (without echoing the bytes) when the material is not a valid key of the type. */
export function assertValidPrivateKey(type: SupportedKeyType, bytes: Uint8Array): void {
  if (type.curve === 'ed25519') {
    if (bytes.length !== 32) throw new Error('an ed25519 private key is a 32-byte seed')
    return
  }
  if (!isValidSecp256k1Scalar(bytes)) throw new Error('not a valid secp256k1 private key')
}

/** Compressed SEC1 (33 bytes) for secp256k1, the raw 32-byte key for ed25519. */
export function publicKeyOf(type: SupportedKeyType, key: PrivateKey): Uint8Array {
  if (type.curve === 'ed25519') {
    const spki = createPublicKey(ed25519NodeKey(key.reveal())).export({ format: 'der', type: 'spki' })
    return new Uint8Array(spki.subarray(spki.length - 32))
  }
  return secp256k1.getPublicKey(key.reveal(), true)
}

/** Performs one operation with a private key; the operation must match the key's scheme. */
export function signWithPrivateKey(
  type: SupportedKeyType,
  key: PrivateKey,
  operation: SignOperation,
): RawSignature {
  switch (operation.kind) {
    case 'ecdsa': {
      if (type.scheme !== 'ECDSA') throw new Error(`a ${type.scheme} key cannot make ECDSA signatures`)
      if (operation.digest.length !== 32) throw new Error('an ECDSA digest is 32 bytes')
      // prehash:false because the digest is already the chain's hash; lowS is the secp256k1 default.
      const sig = secp256k1.Signature.fromBytes(
        secp256k1.sign(operation.digest, key.reveal(), { prehash: false, lowS: true, format: 'recovered' }),
        'recovered',
      )
      return { r: bigIntTo32Bytes(sig.r), s: bigIntTo32Bytes(sig.s), recid: sig.recovery! }
    }
    case 'schnorr': {
      if (type.scheme !== 'Schnorr') throw new Error(`a ${type.scheme} key cannot make Schnorr signatures`)
      const tweaked =
        operation.taprootMerkleRoot === undefined
          ? undefined
          : taprootTweakPrivateKey(key.reveal(), operation.taprootMerkleRoot)
      try {
        // Fresh auxiliary randomness per signature, as BIP-340 recommends.
        const sig = schnorr.sign(operation.message, tweaked ?? key.reveal(), randomBytes(32))
        return { r: sig.slice(0, 32), s: sig.slice(32) }
      } finally {
        tweaked?.fill(0)
      }
    }
    case 'eddsa': {
      if (type.scheme !== 'EdDSA') throw new Error(`a ${type.scheme} key cannot make EdDSA signatures`)
      const sig = nodeSign(null, operation.message, ed25519NodeKey(key.reveal()))
      return { r: new Uint8Array(sig.subarray(0, 32)), s: new Uint8Array(sig.subarray(32)) }
    }
  }
}

/** A KeySigner over an in-memory private key: what the software store hands to chain code. */
export function privateKeySigner(type: SupportedKeyType, key: PrivateKey): KeySigner {
  const publicKey = publicKeyOf(type, key)
  return {
    scheme: type.scheme,
    curve: type.curve,
    publicKey,
    sign: async (operation) => signWithPrivateKey(type, key, operation),
  }
}

/**
 * BIP-341 key tweak: d' = d + H_TapTweak(x(P) ‖ merkleRoot), with d negated first when P has odd y.
 * An empty merkle root is the BIP-86 key-path-only tweak.
 */
export function taprootTweakPrivateKey(secret: Uint8Array, merkleRoot: Uint8Array): Uint8Array {
  if (merkleRoot.length !== 0 && merkleRoot.length !== 32)
    throw new Error('a taproot merkle root is 32 bytes')
  const point = secp256k1.Point.BASE.multiply(bytesToBigInt(secret))
  const d = point.y % 2n === 0n ? bytesToBigInt(secret) : SECP256K1_N - bytesToBigInt(secret)
  const xOnly = schnorr.utils.pointToBytes(point)
  const t = bytesToBigInt(schnorr.utils.taggedHash('TapTweak', xOnly, merkleRoot))
  if (t >= SECP256K1_N) throw new Error('taproot tweak out of range')
  const tweaked = (d + t) % SECP256K1_N
  if (tweaked === 0n) throw new Error('taproot tweak produced the zero key')
  return bigIntTo32Bytes(tweaked)
}

// PKCS#8 wrapper for a raw Ed25519 seed (RFC 8410), so node:crypto can use it.
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex')

function ed25519NodeKey(seed: Uint8Array) {
  const der = Buffer.concat([ED25519_PKCS8_PREFIX, seed])
  try {
    return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' })
  } finally {
    der.fill(0)
  }
}

function bytesToBigInt(bytes: Uint8Array): bigint {
  return bytes.length === 0 ? 0n : BigInt(`0x${Buffer.from(bytes).toString('hex')}`)
}

function bigIntTo32Bytes(n: bigint): Uint8Array {
  return Uint8Array.from(Buffer.from(n.toString(16).padStart(64, '0'), 'hex'))
}
