import { sha512 } from '@noble/hashes/sha2.js'
import type { KeySigner } from '../../custody/key-types.ts'
import { concatBytes, equalBytes, to0xHex } from '../bytes.ts'
import { invalid, MAX_TRANSACTION_BYTES, parseHexField } from '../input.ts'
import { derSignature, formatSignature, type SignatureOutcome } from '../signature-format.ts'

/**
 * XRPL single signing over the canonical binary format (xrpl.org "Serialization Format"):
 * the transaction's fields are read, `SigningPubKey` is set to the wallet's key (a different key
 * already there is a 400), the key signs SHA-512Half(0x53545800 ‖ fields without TxnSignature), and
 * `signedData` is the blob with `TxnSignature` (DER) inserted in canonical order.
 * Field types with no fixed or length-prefixed size that walletd does not parse (PathSet, …) are
 * refused rather than guessed.
 */
interface Field {
  type: number
  field: number
  /** header ‖ value, as serialized */
  bytes: Uint8Array
}

const SIGNING_PREFIX = Uint8Array.of(0x53, 0x54, 0x58, 0x00)
const BLOB = 7
const SIGNING_PUB_KEY = 3
const TXN_SIGNATURE = 4
const OBJECT_END = 0xe1
const ARRAY_END = 0xf1

// Sizes of the fixed-width types by type code.
const FIXED: Record<number, number> = {
  1: 2,
  2: 4,
  3: 8,
  4: 16,
  5: 32,
  16: 1,
  17: 20,
  20: 12,
  21: 24,
  26: 20,
}
const VARIABLE_LENGTH = new Set([7, 8, 19])

class Reader {
  offset = 0
  constructor(readonly bytes: Uint8Array) {}
  byte(): number {
    const b = this.bytes[this.offset++]
    if (b === undefined) throw new Error('ends in the middle of a field')
    return b
  }
  take(n: number): void {
    if (this.offset + n > this.bytes.length) throw new Error('ends in the middle of a field')
    this.offset += n
  }
  done(): boolean {
    return this.offset >= this.bytes.length
  }
}

function readHeader(r: Reader): { type: number; field: number } {
  const first = r.byte()
  let type = first >> 4
  let field = first & 0x0f
  if (type === 0) type = r.byte()
  if (field === 0) field = r.byte()
  return { type, field }
}

function readLength(r: Reader): number {
  const b1 = r.byte()
  if (b1 <= 192) return b1
  if (b1 <= 240) return 193 + (b1 - 193) * 256 + r.byte()
  if (b1 <= 254) return 12481 + (b1 - 241) * 65536 + r.byte() * 256 + r.byte()
  throw new Error('has an invalid length prefix')
}

function skipValue(r: Reader, type: number): void {
  const fixed = FIXED[type]
  if (fixed !== undefined) {
    r.take(fixed)
  } else if (VARIABLE_LENGTH.has(type)) {
    r.take(readLength(r))
  } else if (type === 6) {
    // Amount: XRP drops (8 bytes), issued currency (48) or MPT (33), told apart by the top bits.
    const first = r.bytes[r.offset]
    if (first === undefined) throw new Error('ends in the middle of a field')
    r.take(first & 0x80 ? 48 : first & 0x20 ? 33 : 8)
  } else if (type === 14 || type === 15) {
    const end = type === 14 ? OBJECT_END : ARRAY_END
    while (r.bytes[r.offset] !== end) skipField(r)
    r.take(1)
  } else {
    throw new Error(`has a field of type ${type}, which walletd does not parse`)
  }
}

function skipField(r: Reader): void {
  if (r.done()) throw new Error('ends inside an object or array')
  const { type } = readHeader(r)
  skipValue(r, type)
}

function readFields(bytes: Uint8Array): Field[] {
  const r = new Reader(bytes)
  const fields: Field[] = []
  while (!r.done()) {
    const start = r.offset
    const { type, field } = readHeader(r)
    skipValue(r, type)
    fields.push({ type, field, bytes: bytes.subarray(start, r.offset) })
  }
  return fields
}

const canonical = (a: Field, b: Field) => a.type - b.type || a.field - b.field

function blobField(field: number, value: Uint8Array): Field {
  if (value.length > 192) throw new Error('blob too long for a one-byte length')
  return { type: BLOB, field, bytes: concatBytes(Uint8Array.of((BLOB << 4) | field, value.length), value) }
}

export async function signXrplTransaction(
  signer: KeySigner,
  transaction: unknown,
): Promise<SignatureOutcome> {
  const bytes = parseHexField(transaction, 'transaction', { maxBytes: MAX_TRANSACTION_BYTES })
  let fields: Field[]
  try {
    fields = readFields(bytes)
  } catch (err) {
    throw invalid('transaction', `is not a serialized XRPL transaction: it ${(err as Error).message}`)
  }
  if (!fields.some((f) => f.type === 1 && f.field === 2)) {
    throw invalid('transaction', 'has no TransactionType field')
  }
  const existingKey = fields.find((f) => f.type === BLOB && f.field === SIGNING_PUB_KEY)
  const ownKey = blobField(SIGNING_PUB_KEY, signer.publicKey)
  if (existingKey && existingKey.bytes.length > 2 && !equalBytes(existingKey.bytes, ownKey.bytes)) {
    throw invalid('transaction', "has a SigningPubKey that is not this wallet's key")
  }
  const unsigned = fields
    .filter((f) => !(f.type === BLOB && (f.field === SIGNING_PUB_KEY || f.field === TXN_SIGNATURE)))
    .concat(ownKey)
    .sort(canonical)
  const payload = concatBytes(SIGNING_PREFIX, ...unsigned.map((f) => f.bytes))
  const raw = await signer.sign({ kind: 'ecdsa', digest: sha512(payload).subarray(0, 32) })
  const signed = unsigned.concat(blobField(TXN_SIGNATURE, derSignature(raw))).sort(canonical)
  return {
    signature: formatSignature(raw, 'ECDSA', 'der'),
    signedData: to0xHex(concatBytes(...signed.map((f) => f.bytes))),
  }
}
