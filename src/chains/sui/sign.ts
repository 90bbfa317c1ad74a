import { blake2b } from '@noble/hashes/blake2.js'
import type { KeySigner } from '../../custody/key-types.ts'
import { concatBytes } from '../bytes.ts'
import { invalid, MAX_TRANSACTION_BYTES, parseHexField } from '../input.ts'
import { formatSignature, type SignatureOutcome } from '../signature-format.ts'

// Intent for a transaction: scope TransactionData (0), version V0 (0), app Sui (0).
const TRANSACTION_INTENT = Uint8Array.of(0, 0, 0)

/**
 * Sui: `transaction` is the BCS TransactionData. The key signs BLAKE2b-256(intent ‖ bytes) with
 * Ed25519. Sui executes (bytes, [flag ‖ signature ‖ public key]), so there is no single signed blob:
 * `signedData` is left out and the client assembles the serialized signature.
 */
export async function signSuiTransaction(signer: KeySigner, transaction: unknown): Promise<SignatureOutcome> {
  const bytes = parseHexField(transaction, 'transaction', { maxBytes: MAX_TRANSACTION_BYTES })
  if (bytes.length < 32) throw invalid('transaction', 'is too short to be BCS TransactionData')
  const digest = blake2b(concatBytes(TRANSACTION_INTENT, bytes), { dkLen: 32 })
  const raw = await signer.sign({ kind: 'eddsa', message: digest })
  return { signature: formatSignature(raw, 'EdDSA', 'rs') }
}
