import { schnorr } from '@noble/curves/secp256k1.js'
import * as btc from '@scure/btc-signer'
import type { KeySigner } from '../../custody/key-types.ts'
import { AppError } from '../../errors.ts'
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

/** The sighash types BIP-143 (P2WPKH) and BIP-341 (P2TR key path) define; anything else is refused. */
const ECDSA_SIGHASHES: ReadonlySet<number> = new Set([0x01, 0x02, 0x03, 0x81, 0x82, 0x83])
const TAPROOT_SIGHASHES: ReadonlySet<number> = new Set([0x00, ...ECDSA_SIGHASHES])

/** One input of ours with everything its signature commits to computed, before any key is used. */
interface PreparedInput {
  readonly idx: number
  readonly sighashType: number
  /** BIP-143 digest (ECDSA) or BIP-341 message (Schnorr). */
  readonly digest: Uint8Array
}

function badInput(idx: number, reason: string): AppError {
  return invalid('psbt', `input ${idx} ${reason}`, { input: idx })
}

/**
 * Computes what the key must sign for input `idx` when the input pays to the key's own script, or
 * undefined when it is not the key's. Every check on the input happens here — its sighash type,
 * its outputs, the prevouts a Taproot sighash commits to — so that a PSBT is refused (400 naming the
 * input) before the first signature rather than failing half-signed.
 */
function prepareOwnInput(tx: btc.Transaction, idx: number, signer: KeySigner): PreparedInput | undefined {
  const prevout = prevoutOf(tx, idx)
  if (!prevout || !equalBytes(prevout.script, ownScript(signer))) return undefined
  const input = tx.getInput(idx)
  const taproot = signer.scheme === 'Schnorr'
  const sighashType = input.sighashType ?? (taproot ? btc.SigHash.DEFAULT : btc.SigHash.ALL)
  if (!(taproot ? TAPROOT_SIGHASHES : ECDSA_SIGHASHES).has(sighashType)) {
    throw badInput(
      idx,
      `has sighash type ${sighashType}, which ${taproot ? 'BIP-341' : 'BIP-143'} does not define`,
    )
  }
  // SIGHASH_SINGLE signs the output of the same index: without one there is nothing to commit to
  // (BIP-341 forbids it; under BIP-143 it would sign a constant, a signature anyone could reuse).
  if ((sighashType & 0x1f) === btc.SigHash.SINGLE && idx >= tx.outputsLength) {
    throw badInput(idx, `uses SIGHASH_SINGLE but the transaction has no output ${idx}`)
  }
  try {
    if (!taproot) {
      // BIP-143: the script code of a P2WPKH input is the P2PKH script of the same key hash.
      const scriptCode = btc.p2pkh(signer.publicKey).script
      return { idx, sighashType, digest: tx.preimageWitnessV0(idx, scriptCode, sighashType, prevout.amount) }
    }
    // Taproot key path: the BIP-341 sighash commits to every input's prevout script and amount.
    const prevouts: Prevout[] = []
    for (let i = 0; i < tx.inputsLength; i++) {
      const p = prevoutOf(tx, i)
      if (!p) throw badInput(i, 'lacks its previous output (witnessUtxo), needed for a Taproot signature')
      prevouts.push(p)
    }
    const digest = tx.preimageWitnessV1(
      idx,
      prevouts.map((p) => p.script),
      sighashType,
      prevouts.map((p) => p.amount),
    )
    return { idx, sighashType, digest }
  } catch (err) {
    if (err instanceof AppError) throw err
    throw badInput(idx, `cannot be signed: ${String((err as Error).message).slice(0, 200)}`)
  }
}

/** Signs a prepared input and stores the signature where a finalizer reads it (partialSig / tapKeySig). */
async function signPreparedInput(
  tx: btc.Transaction,
  prepared: PreparedInput,
  signer: KeySigner,
): Promise<DfnsSignature> {
  const { idx, sighashType, digest } = prepared
  if (signer.scheme === 'ECDSA') {
    const raw = await signer.sign({ kind: 'ecdsa', digest })
    tx.updateInput(idx, {
      partialSig: [[signer.publicKey, concatBytes(derSignature(raw), Uint8Array.of(sighashType))]],
    })
    return formatSignature(raw, 'ECDSA', 'der')
  }
  const raw = await signer.sign({ kind: 'schnorr', message: digest, taprootMerkleRoot: new Uint8Array(0) })
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
  // Every input is checked before the first is signed: a PSBT is refused whole or signed whole.
  const prepared: PreparedInput[] = []
  for (let i = 0; i < tx.inputsLength; i++) {
    const input = prepareOwnInput(tx, i, signer)
    if (input) prepared.push(input)
  }
  if (prepared.length === 0) {
    throw invalid('psbt', `has no input spendable by this wallet's key on ${network.name}`, {
      network: network.name,
    })
  }
  const signatures: DfnsSignature[] = []
  for (const input of prepared) signatures.push(await signPreparedInput(tx, input, signer))
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
  const prepared = prepareOwnInput(toSign, 0, signer)
  if (!prepared) throw new Error('BIP-322: the virtual input does not pay to the key')
  const signature = await signPreparedInput(toSign, prepared, signer)
  toSign.finalizeIdx(0)
  const witness = toSign.getInput(0).finalScriptWitness
  if (!witness) throw new Error('BIP-322: finalizing produced no witness')
  return { signature, signedData: to0xHex(serializeWitness(witness)) }
}
