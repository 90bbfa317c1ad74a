import { blake2b } from '@noble/hashes/blake2.js'
import type { KeySigner } from '../../custody/key-types.ts'
import { concatBytes, to0xHex } from '../bytes.ts'
import { invalid, MAX_TRANSACTION_BYTES, parseHexField } from '../input.ts'
import { formatSignature, type SignatureOutcome } from '../signature-format.ts'

// Tezos watermark for a generic operation (manager operations: transfers, reveals, delegations).
const GENERIC_OPERATION = 0x03

/**
 * Tezos: `transaction` is the forged operation bytes (branch ‖ contents). The key signs
 * BLAKE2b-256(0x03 ‖ bytes) — Ed25519 over the digest for tz1, ECDSA (r‖s) for tz2; `signedData` is
 * bytes ‖ signature, what `/injection/operation` takes.
 */
export async function signTezosOperation(signer: KeySigner, transaction: unknown): Promise<SignatureOutcome> {
  const bytes = parseHexField(transaction, 'transaction', { maxBytes: MAX_TRANSACTION_BYTES })
  // branch (32-byte block hash) + at least one content tag.
  if (bytes.length < 33) throw invalid('transaction', 'is too short to be a forged Tezos operation')
  const digest = blake2b(concatBytes(Uint8Array.of(GENERIC_OPERATION), bytes), { dkLen: 32 })
  const raw =
    signer.scheme === 'EdDSA'
      ? await signer.sign({ kind: 'eddsa', message: digest })
      : await signer.sign({ kind: 'ecdsa', digest })
  return {
    signature: formatSignature(raw, signer.scheme, 'rs'),
    signedData: to0xHex(concatBytes(bytes, raw.r, raw.s)),
  }
}
