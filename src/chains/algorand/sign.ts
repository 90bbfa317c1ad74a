import type { KeySigner } from '../../custody/key-types.ts'
import { concatBytes, to0xHex } from '../bytes.ts'
import { invalid, MAX_TRANSACTION_BYTES, parseHexField } from '../input.ts'
import { formatSignature, type SignatureOutcome } from '../signature-format.ts'

const TX_PREFIX = new TextEncoder().encode('TX')

/**
 * Algorand: `transaction` is the canonical msgpack of an unsigned transaction (with or without the
 * "TX" domain prefix). The signature is Ed25519 over "TX" ‖ bytes; `signedData` is the canonical
 * msgpack SignedTxn `{sig, txn}` (keys in sorted order), ready for `algod` /v2/transactions.
 */
export async function signAlgorandTransaction(
  signer: KeySigner,
  transaction: unknown,
): Promise<SignatureOutcome> {
  let txn = parseHexField(transaction, 'transaction', { maxBytes: MAX_TRANSACTION_BYTES })
  if (txn[0] === TX_PREFIX[0] && txn[1] === TX_PREFIX[1]) txn = txn.subarray(2)
  const first = txn[0] ?? 0
  // A msgpack map: fixmap (0x80–0x8f), map16 (0xde) or map32 (0xdf).
  if (!((first >= 0x81 && first <= 0x8f) || first === 0xde || first === 0xdf)) {
    throw invalid('transaction', 'must be a msgpack-encoded Algorand transaction')
  }
  const raw = await signer.sign({ kind: 'eddsa', message: concatBytes(TX_PREFIX, txn) })
  const sig = concatBytes(raw.r, raw.s)
  const key = (name: string) => concatBytes(Uint8Array.of(0xa0 | name.length), new TextEncoder().encode(name))
  const signed = concatBytes(Uint8Array.of(0x82), key('sig'), Uint8Array.of(0xc4, 64), sig, key('txn'), txn)
  return { signature: formatSignature(raw, 'EdDSA', 'rs'), signedData: to0xHex(signed) }
}
