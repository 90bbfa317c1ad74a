import { schnorr, secp256k1 } from '@noble/curves/secp256k1.js'
import { base58, bech32, bech32m } from '@scure/base'
import type { KeyType } from '../../custody/key-types.ts'
import { base58checkDecode, base58checkEncode, compressedSecp256k1, concatBytes, hash160 } from '../bytes.ts'

export interface SegwitParams {
  hrp: string
  pubKeyHash: number
  scriptHash: number
  taproot: boolean
}

/**
 * BIP-341 output key for a key-path-only (BIP-86) Taproot output, or with a script tree root:
 * Q = P + H_TapTweak(x(P) ‖ root)·G with P lifted to even y. Returns x(Q).
 */
export function taprootOutputKey(
  publicKey: Uint8Array,
  merkleRoot: Uint8Array = new Uint8Array(0),
): Uint8Array {
  const xOnly = compressedSecp256k1(publicKey).subarray(1)
  const P = schnorr.utils.lift_x(BigInt(`0x${Buffer.from(xOnly).toString('hex')}`))
  const t = BigInt(
    `0x${Buffer.from(schnorr.utils.taggedHash('TapTweak', xOnly, merkleRoot)).toString('hex')}`,
  )
  if (t >= secp256k1.Point.Fn.ORDER) throw new Error('taproot tweak out of range')
  return schnorr.utils.pointToBytes(P.add(secp256k1.Point.BASE.multiply(t)))
}

/** P2WPKH (`bc1q…`) for ECDSA keys, BIP-86 P2TR (`bc1p…`) for Schnorr keys. */
export function deriveSegwitAddress(publicKey: Uint8Array, keyType: KeyType, params: SegwitParams): string {
  if (keyType.scheme === 'Schnorr') {
    if (!params.taproot) throw new Error('this network has no Taproot addresses')
    return bech32m.encode(params.hrp, [1, ...bech32m.toWords(taprootOutputKey(publicKey))])
  }
  return bech32.encode(params.hrp, [0, ...bech32.toWords(hash160(compressedSecp256k1(publicKey)))])
}

/** The output script (scriptPubKey) an address of this network pays to. */
export function segwitProgram(
  address: string,
  params: SegwitParams,
): { version: number; program: Uint8Array } {
  const lower = address.toLowerCase()
  if (address !== lower && address !== address.toUpperCase()) throw new Error('mixes upper and lower case')
  if (!lower.startsWith(`${params.hrp}1`)) throw new Error(`must start with ${params.hrp}1`)
  let decoded: { prefix: string; words: number[] }
  let isBech32m = false
  try {
    decoded = bech32.decode(lower as `${string}1${string}`, 90)
  } catch {
    try {
      decoded = bech32m.decode(lower as `${string}1${string}`, 90)
      isBech32m = true
    } catch {
      throw new Error('has a wrong bech32 checksum')
    }
  }
  if (decoded.prefix !== params.hrp) throw new Error(`must start with ${params.hrp}1`)
  const [version, ...words] = decoded.words
  if (version === undefined || version > 16) throw new Error('has an invalid witness version')
  const program = (isBech32m ? bech32m : bech32).fromWords(words)
  // BIP-350: version 0 uses bech32, versions 1+ use bech32m.
  if ((version === 0) === isBech32m) throw new Error('uses the wrong bech32 variant for its witness version')
  if (program.length < 2 || program.length > 40) throw new Error('has an invalid witness program length')
  if (version === 0 && program.length !== 20 && program.length !== 32) {
    throw new Error('has an invalid witness program length')
  }
  if (version === 1 && program.length !== 32) throw new Error('has an invalid taproot program length')
  return { version, program }
}

/** Segwit (bech32/bech32m) or legacy base58 P2PKH/P2SH with this network's version bytes. */
export function validateBitcoinAddress(address: string, params: SegwitParams): string {
  if (address.toLowerCase().startsWith(`${params.hrp}1`)) {
    segwitProgram(address, params)
    return address.toLowerCase()
  }
  // Another Bitcoin-family network's segwit address: say which prefix was expected.
  if (/^(bc|tb|bcrt|ltc|tltc|rltc)1/i.test(address)) throw new Error(`must start with ${params.hrp}1`)
  validateBase58Address(address, params)
  return address
}

export function deriveBase58P2pkh(publicKey: Uint8Array, params: { pubKeyHash: number }): string {
  return base58checkEncode(
    base58,
    concatBytes(Uint8Array.of(params.pubKeyHash), hash160(compressedSecp256k1(publicKey))),
  )
}

export function validateBase58Address(
  address: string,
  params: { pubKeyHash: number; scriptHash: number },
): string {
  const payload = base58checkDecode(base58, address)
  if (payload.length !== 21) throw new Error('has the wrong length')
  if (payload[0] !== params.pubKeyHash && payload[0] !== params.scriptHash) {
    throw new Error('has a version byte of another network')
  }
  return address
}
