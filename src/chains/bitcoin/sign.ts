import { schnorr } from '@noble/curves/secp256k1.js'
import * as btc from '@scure/btc-signer'
import type { KeySigner } from '../../custody/key-types.ts'
import { concatBytes, equalBytes, sha256d, to0xHex, toHex } from '../bytes.ts'
import { invalid, MAX_MESSAGE_BYTES, MAX_TRANSACTION_BYTES, parseHexField } from '../input.ts'
import type { NetworkInfo } from '../networks.ts'
import {
  type DfnsSignature,
  derSignature,
  formatSignature,
  type SignatureOutcome,
} from '../signature-format.ts'

/** The output scripts a key can spend on its own: P2WPKH for ECDSA keys, BIP-86 P2TR for Schnorr keys. */
function ownScript(signer: KeySigner): Uint8Array {
  return signer.scheme === 'Schnorr'
    ? btc.p2tr(signer.publicKey.subarray(1)).script
    : btc.p2wpkh(signer.publicKey).script
}

interface Prevout {
  script: Uint8Array
  amount: bigint
}

function prevoutOf(tx: btc.Transaction, idx: number): Prevout | undefined {
  const input = tx.getInput(idx)
  if (input.witnessUtxo) return { script: input.witnessUtxo.script, amount: input.witnessUtxo.amount }
  if (input.nonWitnessUtxo && input.index !== undefined) {
    const out = input.nonWitnessUtxo.outputs[input.index]
    if (out) return { script: out.script, amount: out.amount }
  }
  return undefined
}

/**
 * Signs input `idx` of `tx` with the key when the input pays to the key's own script, and stores
 * the signature in the PSBT fields a finalizer reads (partialSig for P2WPKH, tapKeySig for P2TR).
 * Returns the signature, or undefined when the input is not the key's.
 */
async function signOwnInput(
  tx: btc.Transaction,
  idx: number,
  signer: KeySigner,
): Promise<DfnsSignature | undefined> {
  const prevout = prevoutOf(tx, idx)
  if (!prevout || !equalBytes(prevout.script, ownScript(signer))) return undefined
  const input = tx.getInput(idx)
  if (signer.scheme === 'ECDSA') {
    const sighashType = input.sighashType ?? btc.SigHash.ALL
    // BIP-143: the script code of a P2WPKH input is the P2PKH script of the same key hash.
    const scriptCode = btc.p2pkh(signer.publicKey).script
    const digest = tx.preimageWitnessV0(idx, scriptCode, sighashType, prevout.amount)
    const raw = await signer.sign({ kind: 'ecdsa', digest })
    tx.updateInput(idx, {
      partialSig: [[signer.publicKey, concatBytes(derSignature(raw), Uint8Array.of(sighashType))]],
    })
    return formatSignature(raw, 'ECDSA', 'der')
  }
  // Taproot key path: BIP-341 sighash commits to every input's prevout script and amount.
  const prevouts: Prevout[] = []
  for (let i = 0; i < tx.inputsLength; i++) {
    const p = prevoutOf(tx, i)
    if (!p)
      throw invalid(
        'psbt',
        `input ${i} lacks its previous output (witnessUtxo), needed for a Taproot signature`,
      )
    prevouts.push(p)
  }
  const sighashType = input.sighashType ?? btc.SigHash.DEFAULT
  const message = tx.preimageWitnessV1(
    idx,
    prevouts.map((p) => p.script),
    sighashType,
    prevouts.map((p) => p.amount),
  )
  const raw = await signer.sign({ kind: 'schnorr', message, taprootMerkleRoot: new Uint8Array(0) })
  const sig = concatBytes(raw.r, raw.s)
  tx.updateInput(idx, {
    tapKeySig: sighashType === btc.SigHash.DEFAULT ? sig : concatBytes(sig, Uint8Array.of(sighashType)),
    tapInternalKey: signer.publicKey.subarray(1),
  })
  return formatSignature(raw, 'Schnorr', 'rs')
}

function parsePsbt(bytes: Uint8Array): btc.Transaction {
  try {
    return btc.Transaction.fromPSBT(bytes, { allowUnknownOutputs: true, allowUnknownInputs: true })
  } catch (err) {
    throw invalid('psbt', `is not a valid PSBT: ${String((err as Error).message).slice(0, 200)}`)
  }
}

/**
 * Signs every input of the PSBT that pays to the wallet's own script and returns the updated PSBT
 * (not finalized, so other signers can still add theirs) in `signedData`, one signature per signed
 * input in `signatures`, and the first in `signature`. A PSBT with no input of ours is a 400.
 */
export async function signPsbt(
  signer: KeySigner,
  network: NetworkInfo,
  psbt: unknown,
): Promise<SignatureOutcome> {
  const tx = parsePsbt(parseHexField(psbt, 'psbt', { maxBytes: MAX_TRANSACTION_BYTES }))
  const signatures: DfnsSignature[] = []
  for (let i = 0; i < tx.inputsLength; i++) {
    const sig = await signOwnInput(tx, i, signer)
    if (sig) signatures.push(sig)
  }
  if (signatures.length === 0) {
    throw invalid('psbt', `has no input spendable by this wallet's key on ${network.name}`, {
      network: network.name,
    })
  }
  return { signature: signatures[0]!, signatures, signedData: to0xHex(tx.toPSBT()) }
}

/** BIP-322 tagged hash of the message. */
export function bip322MessageHash(message: Uint8Array): Uint8Array {
  return schnorr.utils.taggedHash('BIP0322-signed-message', message)
}

/** The BIP-322 `to_spend` virtual transaction, serialized without witness. */
function bip322ToSpend(messageHash: Uint8Array, script: Uint8Array): Uint8Array {
  const u32 = (n: number) => {
    const b = new Uint8Array(4)
    new DataView(b.buffer).setUint32(0, n, true)
    return b
  }
  return concatBytes(
    u32(0), // version
    Uint8Array.of(1), // one input
    new Uint8Array(32), // prevout hash: zero
    u32(0xffffffff), // prevout index
    Uint8Array.of(34, 0x00, 0x20), // scriptSig: OP_0 PUSH32 <message hash>
    messageHash,
    u32(0), // sequence
    Uint8Array.of(1), // one output
    new Uint8Array(8), // value 0
    Uint8Array.of(script.length),
    script,
    u32(0), // locktime
  )
}

function serializeWitness(items: Uint8Array[]): Uint8Array {
  return concatBytes(
    Uint8Array.of(items.length),
    ...items.flatMap((item) => [Uint8Array.of(item.length), item]),
  )
}

/**
 * BIP-322 "simple" signature of a message by the wallet's address (P2WPKH or P2TR): the witness of
 * the virtual `to_sign` transaction, serialized. `signedData` is that serialization as 0x-hex
 * (base64 of the same bytes is the form most wallets display). `format: "Full"` is not offered.
 */
export async function signBip322(
  signer: KeySigner,
  body: { message?: unknown; format?: unknown },
): Promise<SignatureOutcome> {
  if (body.format !== undefined && body.format !== 'Simple') {
    throw invalid('format', 'must be "Simple": walletd does not produce BIP-322 Full signatures', {
      allowed: ['Simple'],
    })
  }
  const message = parseHexField(body.message, 'message', { maxBytes: MAX_MESSAGE_BYTES, allowEmpty: true })
  const script = ownScript(signer)
  const toSpendTxid = sha256d(bip322ToSpend(bip322MessageHash(message), script)).reverse()
  const toSign = new btc.Transaction({ version: 0, lockTime: 0, allowUnknownOutputs: true })
  toSign.addInput({ txid: toHex(toSpendTxid), index: 0, sequence: 0, witnessUtxo: { script, amount: 0n } })
  toSign.addOutput({ script: btc.Script.encode(['RETURN']), amount: 0n })
  const signature = await signOwnInput(toSign, 0, signer)
  if (!signature) throw new Error('BIP-322: the virtual input does not pay to the key')
  toSign.finalizeIdx(0)
  const witness = toSign.getInput(0).finalScriptWitness
  if (!witness) throw new Error('BIP-322: finalizing produced no witness')
  return { signature, signedData: to0xHex(serializeWitness(witness)) }
}
