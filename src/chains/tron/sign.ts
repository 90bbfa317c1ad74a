import { sha256 } from '@noble/hashes/sha2.js'
import type { KeySigner } from '../../custody/key-types.ts'
import { concatBytes, to0xHex } from '../bytes.ts'
import { MAX_TRANSACTION_BYTES, parseHexField } from '../input.ts'
import { encodeEcdsa, formatSignature, type SignatureOutcome } from '../signature-format.ts'

function varint(n: number): Uint8Array {
  const out: number[] = []
  let rest = n
  while (rest >= 0x80) {
    out.push((rest & 0x7f) | 0x80)
    rest = Math.floor(rest / 128)
  }
  out.push(rest)
  return Uint8Array.from(out)
}

/**
 * Tron: `transaction` is the hex of the transaction's `raw_data` protobuf (`raw_data_hex`). The
 * signature is ECDSA over SHA-256(raw_data), r‖s‖v with v = 27 + recid; `signedData` is the signed
 * `Transaction` protobuf: field 1 raw_data, field 2 signature.
 */
export async function signTronTransaction(
  signer: KeySigner,
  transaction: unknown,
): Promise<SignatureOutcome> {
  const rawData = parseHexField(transaction, 'transaction', { maxBytes: MAX_TRANSACTION_BYTES })
  const raw = await signer.sign({ kind: 'ecdsa', digest: sha256(rawData) })
  const sig = encodeEcdsa(raw, 'rsv')
  const signed = concatBytes(
    Uint8Array.of(0x0a),
    varint(rawData.length),
    rawData,
    Uint8Array.of(0x12),
    varint(sig.length),
    sig,
  )
  return { signature: formatSignature(raw, 'ECDSA', 'rsv'), signedData: to0xHex(signed) }
}
