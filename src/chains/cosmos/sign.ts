import { sha256 } from '@noble/hashes/sha2.js'
import type { KeySigner } from '../../custody/key-types.ts'
import { concatBytes, to0xHex } from '../bytes.ts'
import { invalid, MAX_TRANSACTION_BYTES, parseHexField } from '../input.ts'
import { formatSignature, type SignatureOutcome } from '../signature-format.ts'

function readVarint(bytes: Uint8Array, offset: number): { value: number; next: number } {
  let value = 0
  let factor = 1
  for (let i = offset; i < bytes.length && i < offset + 10; i++) {
    const byte = bytes[i]!
    value += (byte & 0x7f) * factor
    if ((byte & 0x80) === 0) return { value, next: i + 1 }
    factor *= 128
  }
  throw new Error('truncated varint')
}

function writeVarint(n: number): Uint8Array {
  const out: number[] = []
  let rest = n
  while (rest >= 0x80) {
    out.push((rest & 0x7f) | 0x80)
    rest = Math.floor(rest / 128)
  }
  out.push(rest)
  return Uint8Array.from(out)
}

/** Length-delimited fields of a protobuf message by field number (varints skipped). */
function readBytesFields(bytes: Uint8Array): Map<number, Uint8Array> {
  const fields = new Map<number, Uint8Array>()
  let offset = 0
  while (offset < bytes.length) {
    const key = readVarint(bytes, offset)
    const field = Math.floor(key.value / 8)
    const wire = key.value & 7
    if (wire === 0) {
      offset = readVarint(bytes, key.next).next
    } else if (wire === 2) {
      const len = readVarint(bytes, key.next)
      if (len.next + len.value > bytes.length) throw new Error('truncated field')
      fields.set(field, bytes.subarray(len.next, len.next + len.value))
      offset = len.next + len.value
    } else {
      throw new Error(`unexpected wire type ${wire}`)
    }
  }
  return fields
}

const lenField = (field: number, value: Uint8Array) =>
  concatBytes(Uint8Array.of((field << 3) | 2), writeVarint(value.length), value)

/**
 * Cosmos SIGN_MODE_DIRECT: ECDSA over SHA-256(SignDoc bytes), a 64-byte r‖s signature, and
 * `signedData` = TxRaw {body_bytes, auth_info_bytes, signatures: [sig]} ready to broadcast.
 */
export async function signCosmosSignDoc(signer: KeySigner, signDoc: unknown): Promise<SignatureOutcome> {
  const bytes = parseHexField(signDoc, 'signDoc', { maxBytes: MAX_TRANSACTION_BYTES })
  let fields: Map<number, Uint8Array>
  try {
    fields = readBytesFields(bytes)
  } catch (err) {
    throw invalid('signDoc', `is not a protobuf SignDoc: ${(err as Error).message}`)
  }
  const body = fields.get(1)
  const authInfo = fields.get(2)
  if (!body || !authInfo) throw invalid('signDoc', 'lacks body_bytes or auth_info_bytes')
  const raw = await signer.sign({ kind: 'ecdsa', digest: sha256(bytes) })
  const sig = concatBytes(raw.r, raw.s)
  const txRaw = concatBytes(lenField(1, body), lenField(2, authInfo), lenField(3, sig))
  return { signature: formatSignature(raw, 'ECDSA', 'rs'), signedData: to0xHex(txRaw) }
}
