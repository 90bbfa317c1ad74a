import {
  type Hex,
  hashMessage,
  hashTypedData,
  keccak256,
  parseTransaction,
  serializeTransaction,
  type TransactionSerializable,
  type TypedDataDefinition,
} from 'viem'
import { hashAuthorization } from 'viem/utils'
import type { KeySigner, RawSignature } from '../../custody/key-types.ts'
import { toHex } from '../bytes.ts'
import { invalid, MAX_MESSAGE_BYTES, MAX_TRANSACTION_BYTES, parseHexField, requireObject } from '../input.ts'
import type { NetworkInfo } from '../networks.ts'
import { formatSignature, type SignatureOutcome } from '../signature-format.ts'
import { validateEvmAddress } from './address.ts'

async function signDigest(signer: KeySigner, digest: Hex): Promise<RawSignature> {
  return signer.sign({ kind: 'ecdsa', digest: parseHexField(digest, 'digest', { length: 32 }) })
}

function outcome(raw: RawSignature, signedData?: string): SignatureOutcome {
  return { signature: formatSignature(raw, 'ECDSA', 'rsv'), ...(signedData ? { signedData } : {}) }
}

/**
 * `Message` and `Eip191` on EVM networks both mean personal_sign (EIP-191 version 0x45): the hex
 * bytes are prefixed with "\x19Ethereum Signed Message:\n" + length and hashed with keccak-256,
 * which is what `recoverMessageAddress({message: {raw}})` checks. (inferred for Eip191: Dfns
 * documents it as EIP-191 message signing and personal_sign is the EIP-191 form wallets use.)
 */
export async function signEvmPersonalMessage(signer: KeySigner, message: unknown): Promise<SignatureOutcome> {
  const bytes = parseHexField(message, 'message', { maxBytes: MAX_MESSAGE_BYTES })
  return outcome(await signDigest(signer, hashMessage({ raw: bytes })))
}

type TypedFields = Record<string, { name: string; type: string }[]>

/**
 * The Dfns Eip712 body carries `types`, `domain`, `message` but no `primaryType`: like ethers, take
 * the one struct type no other type refers to.
 */
export function inferPrimaryType(types: TypedFields): string {
  const names = Object.keys(types).filter((n) => n !== 'EIP712Domain')
  const referenced = new Set<string>()
  for (const name of names) {
    for (const field of types[name] ?? []) referenced.add(String(field?.type).replace(/(\[\d*\])+$/, ''))
  }
  const roots = names.filter((n) => !referenced.has(n))
  if (roots.length !== 1) {
    throw invalid(
      'types',
      `must have exactly one primary type (a type no other type uses); found ${roots.length}`,
      {
        candidates: roots,
      },
    )
  }
  return roots[0]!
}

export async function signEip712(
  signer: KeySigner,
  body: { types?: unknown; domain?: unknown; message?: unknown; primaryType?: unknown },
): Promise<SignatureOutcome> {
  const types = requireObject(body.types, 'types') as TypedFields
  for (const [name, fields] of Object.entries(types)) {
    if (!Array.isArray(fields)) throw invalid(`types.${name}`, 'must be an array of {name, type}')
  }
  const domain = body.domain === undefined ? {} : requireObject(body.domain, 'domain')
  const message = requireObject(body.message, 'message')
  const primaryType = typeof body.primaryType === 'string' ? body.primaryType : inferPrimaryType(types)
  let digest: Hex
  try {
    digest = hashTypedData({ domain, types, primaryType, message } as unknown as TypedDataDefinition)
  } catch (err) {
    throw invalid('message', `does not match its EIP-712 types: ${firstLine(err)}`)
  }
  return outcome(await signDigest(signer, digest))
}

/** EIP-7702 authorization: keccak256(0x05 ‖ rlp([chainId, address, nonce])). */
export async function signEip7702(
  signer: KeySigner,
  body: { address?: unknown; nonce?: unknown; chainId?: unknown },
): Promise<SignatureOutcome> {
  let address: Hex
  try {
    address = validateEvmAddress(String(body.address ?? '')) as Hex
  } catch (err) {
    throw invalid('address', `is not a valid EVM address: it ${(err as Error).message}`)
  }
  const nonce = nonNegativeInteger(body.nonce, 'nonce')
  const chainId = nonNegativeInteger(body.chainId, 'chainId')
  const digest = hashAuthorization({ address, chainId: Number(chainId), nonce: Number(nonce) })
  return outcome(await signDigest(signer, digest))
}

/**
 * Signs an unsigned serialized EVM transaction (legacy, EIP-2930, EIP-1559, EIP-7702) and returns
 * the signed serialization in `signedData`. A transaction for another chain than the network is a 400.
 */
export async function signEvmTransaction(
  signer: KeySigner,
  network: NetworkInfo,
  transaction: unknown,
): Promise<SignatureOutcome> {
  const bytes = parseHexField(transaction, 'transaction', { maxBytes: MAX_TRANSACTION_BYTES })
  const hex = `0x${toHex(bytes)}` as Hex
  let tx: TransactionSerializable
  try {
    tx = parseTransaction(hex) as TransactionSerializable
  } catch (err) {
    throw invalid('transaction', `is not a serialized EVM transaction: ${firstLine(err)}`)
  }
  const parsed = tx as TransactionSerializable & {
    r?: unknown
    v?: unknown
    yParity?: unknown
    type?: string
  }
  if (parsed.r !== undefined) throw invalid('transaction', 'is already signed')
  if (parsed.type === 'eip4844')
    throw invalid('transaction', 'is a blob transaction, which walletd does not sign')
  if (network.chainId !== undefined && tx.chainId !== undefined && tx.chainId !== network.chainId) {
    throw invalid(
      'transaction',
      `is for chain id ${tx.chainId}, but ${network.name} is chain id ${network.chainId}`,
      {
        network: network.name,
      },
    )
  }
  if (network.chainId !== undefined && tx.chainId === undefined) {
    // A pre-EIP-155 legacy transaction could be replayed on every chain: bind it to this network.
    tx = { ...tx, chainId: network.chainId }
  }
  const { raw, signed } = await signSerializable(signer, tx)
  return outcome(raw, signed)
}

async function signSerializable(signer: KeySigner, tx: TransactionSerializable) {
  const raw = await signDigest(signer, keccak256(serializeTransaction(tx)))
  const recid = raw.recid ?? 0
  const signed = serializeTransaction(tx, {
    r: `0x${toHex(raw.r)}`,
    s: `0x${toHex(raw.s)}`,
    v: BigInt(27 + recid),
    yParity: recid,
  })
  return { raw, signed }
}

/** Signs a transaction walletd built itself (transfers, broadcast requests): the signed serialization. */
export async function signEvmTransactionObject(signer: KeySigner, tx: TransactionSerializable): Promise<Hex> {
  return (await signSerializable(signer, tx)).signed
}

/** Hash kind: sign the 32 bytes as given. */
export async function signEvmHash(signer: KeySigner, hash: Uint8Array): Promise<SignatureOutcome> {
  return outcome(await signer.sign({ kind: 'ecdsa', digest: hash }))
}

function nonNegativeInteger(value: unknown, field: string): bigint {
  const ok =
    (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) ||
    (typeof value === 'string' && /^(0|[1-9]\d{0,15})$/.test(value))
  if (!ok) throw invalid(field, 'must be a non-negative integer')
  const n = BigInt(value as number | string)
  if (n > BigInt(Number.MAX_SAFE_INTEGER)) throw invalid(field, 'is too large')
  return n
}

function firstLine(err: unknown): string {
  return String((err as Error)?.message ?? err)
    .split('\n')[0]!
    .slice(0, 200)
}
