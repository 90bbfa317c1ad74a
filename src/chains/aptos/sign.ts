import { sha3_256 } from '@noble/hashes/sha3.js'
import type { KeySigner } from '../../custody/key-types.ts'
import { concatBytes, equalBytes, to0xHex } from '../bytes.ts'
import { invalid, MAX_TRANSACTION_BYTES, parseHexField } from '../input.ts'
import { formatSignature, type SignatureOutcome } from '../signature-format.ts'

// Aptos signing-message domain separator for a RawTransaction.
const RAW_TRANSACTION_SALT = sha3_256(new TextEncoder().encode('APTOS::RawTransaction'))

/**
 * Aptos: `transaction` is the BCS bytes of a RawTransaction (single signer). The signature is
 * Ed25519 over SHA3-256("APTOS::RawTransaction") ‖ bytes; `signedData` is the BCS SignedTransaction:
 * the raw transaction, authenticator variant 0 (Ed25519), the public key and the signature, each
 * with its ULEB128 length. Multi-agent and fee-payer transactions are not handled.
 */
export async function signAptosTransaction(
  signer: KeySigner,
  transaction: unknown,
): Promise<SignatureOutcome> {
  let rawTxn = parseHexField(transaction, 'transaction', { maxBytes: MAX_TRANSACTION_BYTES })
  // Accept the full signing message too, as some SDKs hand that out.
  if (rawTxn.length > 32 && equalBytes(rawTxn.subarray(0, 32), RAW_TRANSACTION_SALT))
    rawTxn = rawTxn.subarray(32)
  // sender (32) + sequence number (8) + payload (≥ 1) + max gas (8) + gas price (8) + expiry (8) + chain id (1)
  if (rawTxn.length < 66) throw invalid('transaction', 'is too short to be a BCS RawTransaction')
  const raw = await signer.sign({ kind: 'eddsa', message: concatBytes(RAW_TRANSACTION_SALT, rawTxn) })
  const signed = concatBytes(
    rawTxn,
    Uint8Array.of(0x00, 32),
    signer.publicKey,
    Uint8Array.of(64),
    raw.r,
    raw.s,
  )
  return { signature: formatSignature(raw, 'EdDSA', 'rs'), signedData: to0xHex(signed) }
}
