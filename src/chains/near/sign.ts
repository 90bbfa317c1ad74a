import { sha256 } from '@noble/hashes/sha2.js'
import type { KeySigner } from '../../custody/key-types.ts'
import { concatBytes, to0xHex } from '../bytes.ts'
import { invalid, MAX_TRANSACTION_BYTES, parseHexField } from '../input.ts'
import { formatSignature, type SignatureOutcome } from '../signature-format.ts'

// Borsh enum tag of an ed25519 signature in NEAR's `Signature`.
const ED25519_TAG = 0

/**
 * NEAR: `transaction` is the Borsh-serialized Transaction. The key signs SHA-256 of those bytes
 * with Ed25519; `signedData` is the Borsh SignedTransaction (transaction ‖ tag 0 ‖ 64-byte
 * signature), what `broadcast_tx_commit` takes (base64).
 */
export async function signNearTransaction(
  signer: KeySigner,
  transaction: unknown,
): Promise<SignatureOutcome> {
  const bytes = parseHexField(transaction, 'transaction', { maxBytes: MAX_TRANSACTION_BYTES })
  // signer id (u32 length + ≥2 chars) + public key (1 + 32) + nonce (8) + receiver (≥6) + block hash (32) + actions (4)
  if (bytes.length < 86) throw invalid('transaction', 'is too short to be a Borsh NEAR Transaction')
  const raw = await signer.sign({ kind: 'eddsa', message: sha256(bytes) })
  return {
    signature: formatSignature(raw, 'EdDSA', 'rs'),
    signedData: to0xHex(concatBytes(bytes, Uint8Array.of(ED25519_TAG), raw.r, raw.s)),
  }
}
