import { blake2b } from '@noble/hashes/blake2.js'
import type { KeySigner, KeyType } from '../custody/key-types.ts'
import { signAlgorandTransaction } from './algorand/sign.ts'
import { signAptosTransaction } from './aptos/sign.ts'
import { signBip322, signPsbt } from './bitcoin/sign.ts'
import { signCosmosSignDoc } from './cosmos/sign.ts'
import {
  signEip712,
  signEip7702,
  signEvmHash,
  signEvmPersonalMessage,
  signEvmTransaction,
} from './evm/sign.ts'
import { invalid, MAX_MESSAGE_BYTES, parseHexField } from './input.ts'
import { signNearTransaction } from './near/sign.ts'
import {
  findNetwork,
  type NetworkInfo,
  networks,
  requireBlockchainKind,
  requireKeyTypeForNetwork,
  requireNetwork,
  requireSignatureKind,
} from './networks.ts'
import { formatSignature, type SignatureOutcome } from './signature-format.ts'
import { signSolanaTransaction } from './solana/sign.ts'
import { signStellarTransaction } from './stellar/sign.ts'
import { signSuiTransaction } from './sui/sign.ts'
import { signTezosOperation } from './tezos/sign.ts'
import { signTronTransaction } from './tron/sign.ts'
import { signXrplTransaction } from './xrpl/sign.ts'

/** A signature request body as the SDK sends it (validated field by field here). */
export interface SignatureRequestBody {
  kind: string
  [field: string]: unknown
}

/**
 * Produces the signature fields of a SignatureRequest (`signature`, `signatures`, `signedData`) for
 * one request body on one network with one key. Every input problem is a 400 naming the field; a
 * kind the network cannot do is a 400 naming the kind and the network. Pure apart from the
 * signer: no storage, no policy, no idempotency — the caller does those.
 */
export async function produceSignature(input: {
  network: NetworkInfo
  signer: KeySigner
  body: SignatureRequestBody
}): Promise<SignatureOutcome> {
  const { network, signer, body } = input
  const kind = requireSignatureKind(network, body.kind)
  requireKeyTypeForNetwork(network, signer, 'signingKey')
  const family = network.blockchainKind
  switch (kind) {
    case 'Hash':
      return signHash(network, signer, body)
    case 'Message':
      if (family === 'Evm') return signEvmPersonalMessage(signer, body.message)
      return signRawMessage(network, signer, body.message)
    case 'Eip191':
      return signEvmPersonalMessage(signer, body.message)
    case 'Eip712':
      return signEip712(signer, { types: body.types, domain: body.domain, message: body.message })
    case 'Eip7702':
      return signEip7702(signer, { address: body.address, nonce: body.nonce, chainId: body.chainId })
    case 'Transaction':
      if (family === 'Evm') return signEvmTransaction(signer, network, body.transaction)
      if (family === 'Solana') return signSolanaTransaction(signer, body.transaction)
      if (family === 'Tron') return signTronTransaction(signer, body.transaction)
      if (family === 'Algorand') return signAlgorandTransaction(signer, body.transaction)
      if (family === 'Aptos') return signAptosTransaction(signer, body.transaction)
      if (family === 'Stellar') return signStellarTransaction(signer, network.name, body.transaction)
      if (family === 'Sui') return signSuiTransaction(signer, body.transaction)
      if (family === 'Tezos') return signTezosOperation(signer, body.transaction)
      if (family === 'Near') return signNearTransaction(signer, body.transaction)
      if (family === 'Xrpl') return signXrplTransaction(signer, body.transaction)
      break
    case 'Psbt':
      return signPsbt(signer, network, body.psbt)
    case 'Bip322':
      return signBip322(signer, { message: body.message, format: body.format })
    case 'SignDocDirect':
      return signCosmosSignDoc(signer, body.signDoc)
    default:
      break
  }
  // The registry and this switch disagree: a programming error, never a client one.
  throw new Error(`signature kind ${kind} is listed for ${network.name} but has no implementation`)
}

async function signHash(network: NetworkInfo, signer: KeySigner, body: SignatureRequestBody) {
  const hash = parseHexField(body.hash, 'hash', { length: 32 })
  if (signer.scheme === 'Schnorr') {
    // Kaspa addresses commit to the untweaked key, so there an absent root means "no tweak"
    // (inferred); on Bitcoin the reference makes the root mandatory for Schnorr keys.
    if (body.taprootMerkleRoot === undefined && network.blockchainKind === 'Kaspa') {
      const raw = await signer.sign({ kind: 'schnorr', message: hash })
      return { signature: formatSignature(raw, 'Schnorr', 'rs') }
    }
    if (body.taprootMerkleRoot === undefined) {
      throw invalid(
        'taprootMerkleRoot',
        'is required for Schnorr keys ("" tweaks with the default merkle root)',
      )
    }
    const root = parseHexField(body.taprootMerkleRoot, 'taprootMerkleRoot', { length: 32, allowEmpty: true })
    const raw = await signer.sign({ kind: 'schnorr', message: hash, taprootMerkleRoot: root })
    return { signature: formatSignature(raw, 'Schnorr', 'rs') }
  }
  if (body.taprootMerkleRoot !== undefined) throw invalid('taprootMerkleRoot', 'applies only to Schnorr keys')
  if (signer.scheme === 'EdDSA') {
    const raw = await signer.sign({ kind: 'eddsa', message: hash })
    return { signature: formatSignature(raw, 'EdDSA', 'rs') }
  }
  if (network.blockchainKind === 'Evm') return signEvmHash(signer, hash)
  const raw = await signer.sign({ kind: 'ecdsa', digest: hash })
  return { signature: formatSignature(raw, 'ECDSA', network.ecdsaEncoding) }
}

/**
 * `Message` outside EVM: EdDSA signs the bytes themselves (Solana, Aptos, Sui, Stellar, … and
 * KeyEdDSA); a Tezos secp256k1 key signs BLAKE2b-256 of the bytes, as Tezos does.
 */
async function signRawMessage(
  network: NetworkInfo,
  signer: KeySigner,
  message: unknown,
): Promise<SignatureOutcome> {
  const bytes = parseHexField(message, 'message', { maxBytes: MAX_MESSAGE_BYTES })
  if (signer.scheme === 'EdDSA') {
    return { signature: formatSignature(await signer.sign({ kind: 'eddsa', message: bytes }), 'EdDSA', 'rs') }
  }
  if (network.blockchainKind === 'Tezos' && signer.scheme === 'ECDSA') {
    const raw = await signer.sign({ kind: 'ecdsa', digest: blake2b(bytes, { dkLen: 32 }) })
    return { signature: formatSignature(raw, 'ECDSA', network.ecdsaEncoding) }
  }
  throw invalid(
    'kind',
    `Message signatures with ${signer.scheme} keys are not supported on ${network.name}`,
    {
      kind: 'Message',
      network: network.name,
    },
  )
}

/**
 * Which network formats a signature made through `POST /keys/:id/signatures`: the body's `network`
 * when given, else the first mainnet of `blockchainKind` that can use the key, else the key's
 * pseudo-network (KeyECDSA / KeyEdDSA; Bitcoin for a Schnorr key, which has no pseudo-network).
 */
export function networkForKeySignature(
  key: KeyType,
  hints: { network?: unknown; blockchainKind?: unknown },
): NetworkInfo {
  if (hints.network !== undefined) {
    const network = requireNetwork(hints.network, 'network')
    requireKeyTypeForNetwork(network, key, 'network')
    return network
  }
  if (hints.blockchainKind !== undefined) {
    const kind = requireBlockchainKind(hints.blockchainKind)
    const fits = (n: NetworkInfo) =>
      n.blockchainKind === kind && n.keyTypes.some((k) => k.scheme === key.scheme && k.curve === key.curve)
    const network = networks.find((n) => fits(n) && !n.testnet) ?? networks.find(fits)
    if (network?.chainId !== undefined) {
      // Only the family was named: format like its mainnet, but do not hold an EVM transaction
      // to the mainnet's chain id — the key may sign for any chain of the family.
      const { chainId: _unbound, ...familyWide } = network
      return Object.freeze(familyWide)
    }
    if (!network) {
      throw invalid('blockchainKind', `${kind} cannot use ${key.scheme}/${key.curve} keys`, {
        blockchainKind: kind,
        scheme: key.scheme,
        curve: key.curve,
      })
    }
    return network
  }
  const pseudo =
    key.scheme === 'Schnorr'
      ? 'Bitcoin'
      : key.curve === 'ed25519'
        ? 'KeyEdDSA'
        : key.curve === 'stark'
          ? 'KeyECDSAStark'
          : 'KeyECDSA'
  return findNetwork(pseudo)!
}
