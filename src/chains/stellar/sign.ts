import { sha256 } from '@noble/hashes/sha2.js'
import type { KeySigner } from '../../custody/key-types.ts'
import { concatBytes, to0xHex } from '../bytes.ts'
import { invalid, MAX_TRANSACTION_BYTES, parseHexField } from '../input.ts'
import { formatSignature, type SignatureOutcome } from '../signature-format.ts'

/** Network passphrases (Stellar docs, "Networks"): their SHA-256 is the network id signed over. */
export const STELLAR_PASSPHRASES: Record<string, string> = {
  Stellar: 'Public Global Stellar Network ; September 2015',
  StellarTestnet: 'Test SDF Network ; September 2015',
}

const ENVELOPE_TYPE_TX = 2
const MAX_SIGNATURES = 20 // Stellar allows at most 20 signatures per envelope

const u32 = (n: number) => {
  const b = new Uint8Array(4)
  new DataView(b.buffer).setUint32(0, n)
  return b
}
const readU32 = (bytes: Uint8Array, at: number) => new DataView(bytes.buffer, bytes.byteOffset).getUint32(at)

/**
 * Splits a v1 TransactionEnvelope (type 2 ‖ Transaction ‖ DecoratedSignature<20>) into the
 * Transaction XDR and its signatures, reading the signature array from the end: each signature is
 * hint(4) ‖ length(4) = 64 ‖ 64 bytes.
 */
function splitEnvelope(envelope: Uint8Array): { tx: Uint8Array; signatures: Uint8Array } {
  if (envelope.length < 12 || readU32(envelope, 0) !== ENVELOPE_TYPE_TX) {
    throw new Error('must be a v1 TransactionEnvelope (ENVELOPE_TYPE_TX)')
  }
  for (let count = 0; count <= MAX_SIGNATURES; count++) {
    const arrayStart = envelope.length - 4 - 72 * count
    if (arrayStart < 8) break
    if (readU32(envelope, arrayStart) !== count) continue
    let consistent = true
    for (let i = 0; i < count; i++)
      if (readU32(envelope, arrayStart + 4 + 72 * i + 4) !== 64) consistent = false
    if (consistent)
      return { tx: envelope.subarray(4, arrayStart), signatures: envelope.subarray(arrayStart + 4) }
  }
  throw new Error('has no readable signature array')
}

/**
 * Stellar: `transaction` is a TransactionEnvelope XDR (v1). The signature is Ed25519 over
 * SHA-256(SHA-256(passphrase) ‖ ENVELOPE_TYPE_TX ‖ Transaction XDR); `signedData` is the envelope
 * with the wallet's DecoratedSignature (hint = last 4 bytes of the key) appended.
 */
export async function signStellarTransaction(
  signer: KeySigner,
  networkName: string,
  transaction: unknown,
): Promise<SignatureOutcome> {
  const passphrase = STELLAR_PASSPHRASES[networkName]
  if (!passphrase) throw new Error(`no Stellar passphrase for ${networkName}`)
  const envelope = parseHexField(transaction, 'transaction', { maxBytes: MAX_TRANSACTION_BYTES })
  let parts: { tx: Uint8Array; signatures: Uint8Array }
  try {
    parts = splitEnvelope(envelope)
  } catch (err) {
    throw invalid('transaction', (err as Error).message)
  }
  const count = (parts.signatures.length / 72) | 0
  if (count >= MAX_SIGNATURES) throw invalid('transaction', 'already carries the maximum of 20 signatures')
  const payload = sha256(
    concatBytes(sha256(new TextEncoder().encode(passphrase)), u32(ENVELOPE_TYPE_TX), parts.tx),
  )
  const raw = await signer.sign({ kind: 'eddsa', message: payload })
  const decorated = concatBytes(signer.publicKey.subarray(28), u32(64), raw.r, raw.s)
  const signed = concatBytes(u32(ENVELOPE_TYPE_TX), parts.tx, u32(count + 1), parts.signatures, decorated)
  return { signature: formatSignature(raw, 'EdDSA', 'rs'), signedData: to0xHex(signed) }
}
