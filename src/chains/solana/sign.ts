import type { KeySigner } from '../../custody/key-types.ts'
import { concatBytes, equalBytes, to0xHex } from '../bytes.ts'
import { invalid, parseHexField } from '../input.ts'
import { formatSignature, type SignatureOutcome } from '../signature-format.ts'

// Solana's packet limit bounds a serialized transaction.
const MAX_SOLANA_TRANSACTION_BYTES = 1232

function readShortVec(bytes: Uint8Array, offset: number): { value: number; next: number } {
  let value = 0
  for (let i = 0; i < 3; i++) {
    const byte = bytes[offset + i]
    if (byte === undefined) throw new Error('truncated length prefix')
    value |= (byte & 0x7f) << (7 * i)
    if ((byte & 0x80) === 0) return { value, next: offset + i + 1 }
  }
  throw new Error('length prefix too long')
}

function encodeShortVec(value: number): Uint8Array {
  const out: number[] = []
  let rest = value
  do {
    let byte = rest & 0x7f
    rest >>= 7
    if (rest) byte |= 0x80
    out.push(byte)
  } while (rest)
  return Uint8Array.from(out)
}

interface MessageInfo {
  numRequiredSignatures: number
  signerKeys: Uint8Array[]
}

/** Reads the header and static account keys of a legacy or v0 message. */
function readMessage(message: Uint8Array): MessageInfo {
  let offset = 0
  const first = message[0]
  if (first === undefined) throw new Error('empty message')
  if (first & 0x80) {
    if ((first & 0x7f) !== 0) throw new Error(`unsupported message version ${first & 0x7f}`)
    offset = 1
  }
  const numRequiredSignatures = message[offset]
  if (numRequiredSignatures === undefined || message.length < offset + 3) throw new Error('truncated header')
  const keys = readShortVec(message, offset + 3)
  if (keys.value < numRequiredSignatures) throw new Error('fewer account keys than required signatures')
  if (message.length < keys.next + 32 * keys.value + 32) throw new Error('truncated account keys')
  const signerKeys: Uint8Array[] = []
  for (let i = 0; i < numRequiredSignatures; i++) {
    signerKeys.push(message.subarray(keys.next + 32 * i, keys.next + 32 * (i + 1)))
  }
  return { numRequiredSignatures, signerKeys }
}

/** A full transaction (signature slots + message), or a bare message: which one the bytes are. */
function splitTransaction(bytes: Uint8Array): { slots: Uint8Array[]; message: Uint8Array } {
  try {
    const count = readShortVec(bytes, 0)
    const messageStart = count.next + 64 * count.value
    if (count.value > 0 && bytes.length > messageStart) {
      const message = bytes.subarray(messageStart)
      if (readMessage(message).numRequiredSignatures === count.value) {
        const slots = Array.from({ length: count.value }, (_, i) =>
          bytes.slice(count.next + 64 * i, count.next + 64 * (i + 1)),
        )
        return { slots, message }
      }
    }
  } catch {
    // not a transaction: try it as a message below
  }
  const info = readMessage(bytes)
  return { slots: info.signerKeys.map(() => new Uint8Array(64)), message: bytes }
}

/**
 * Signs a Solana transaction given as a serialized transaction (other signatures kept) or as a
 * serialized message. The signature is ed25519 over the message bytes; `signedData` is the
 * transaction with the wallet's signature in its slot.
 */
export async function signSolanaTransaction(
  signer: KeySigner,
  transaction: unknown,
): Promise<SignatureOutcome> {
  const bytes = parseHexField(transaction, 'transaction', { maxBytes: MAX_SOLANA_TRANSACTION_BYTES })
  let parts: { slots: Uint8Array[]; message: Uint8Array }
  try {
    parts = splitTransaction(bytes)
  } catch (err) {
    throw invalid('transaction', `is not a Solana transaction or message: ${(err as Error).message}`)
  }
  const position = readMessage(parts.message).signerKeys.findIndex((k) => equalBytes(k, signer.publicKey))
  if (position < 0) throw invalid('transaction', "does not list this wallet's key as a required signer")
  const raw = await signer.sign({ kind: 'eddsa', message: parts.message })
  parts.slots[position] = concatBytes(raw.r, raw.s)
  const signed = concatBytes(encodeShortVec(parts.slots.length), ...parts.slots, parts.message)
  return { signature: formatSignature(raw, 'EdDSA', 'rs'), signedData: to0xHex(signed) }
}
