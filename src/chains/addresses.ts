import type { KeyType } from '../custody/key-types.ts'
import { AppError } from '../errors.ts'
import { deriveAlgorandAddress, validateAlgorandAddress } from './algorand/address.ts'
import { deriveAptosAddress, validateAptosAddress } from './aptos/address.ts'
import {
  deriveBase58P2pkh,
  deriveSegwitAddress,
  validateBase58Address,
  validateBitcoinAddress,
} from './bitcoin/address.ts'
import { deriveCashAddr, validateCashAddr } from './bitcoincash/address.ts'
import { deriveCosmosAddress, validateCosmosAddress } from './cosmos/address.ts'
import { deriveEvmAddress, validateEvmAddress } from './evm/address.ts'
import { deriveKaspaAddress, validateKaspaAddress } from './kaspa/address.ts'
import { deriveNearAddress, validateNearAddress } from './near/address.ts'
import { type NetworkInfo, requireKeyTypeForNetwork } from './networks.ts'
import { deriveSolanaAddress, validateSolanaAddress } from './solana/address.ts'
import { deriveStellarAddress, validateStellarAddress } from './stellar/address.ts'
import { deriveSs58Address, validateSs58Address } from './substrate/address.ts'
import { deriveSuiAddress, validateSuiAddress } from './sui/address.ts'
import { deriveTezosAddress, validateTezosAddress } from './tezos/address.ts'
import { validateTonAddress } from './ton/address.ts'
import { deriveTronAddress, validateTronAddress } from './tron/address.ts'
import { deriveXrplAddress, validateXrplAddress } from './xrpl/address.ts'

/** Longest address string accepted anywhere (bech32 allows 90); longer input is refused unparsed. */
export const MAX_ADDRESS_LENGTH = 128

/**
 * 501 when walletd cannot derive addresses on the network. Call it before generating a key for a
 * new wallet, so an unsupported network fails before any key material exists.
 */
export function requireAddressDerivation(network: NetworkInfo): void {
  if (network.address.kind === 'ton' || network.address.kind === 'unsupported') {
    throw new AppError('not_implemented', `walletd cannot derive ${network.name} addresses yet`, {
      details: { network: network.name },
    })
  }
}

/**
 * The wallet address for a key on a network, or `undefined` for the Key* pseudo-networks.
 * `publicKey` is what the KeyStore returns (compressed secp256k1 / raw ed25519).
 * Throws 400 when the key type does not fit the network, 501 for families walletd cannot derive yet.
 */
export function deriveAddress(
  network: NetworkInfo,
  keyType: KeyType,
  publicKey: Uint8Array,
): string | undefined {
  requireKeyTypeForNetwork(network, keyType)
  const format = network.address
  switch (format.kind) {
    case 'none':
      return undefined
    case 'evm':
      return deriveEvmAddress(publicKey)
    case 'segwit':
      return deriveSegwitAddress(publicKey, keyType, format)
    case 'base58-p2pkh':
      return deriveBase58P2pkh(publicKey, format)
    case 'cashaddr':
      return deriveCashAddr(publicKey, format)
    case 'kaspa':
      return deriveKaspaAddress(publicKey, keyType, format.prefix)
    case 'solana':
      return deriveSolanaAddress(publicKey)
    case 'tron':
      return deriveTronAddress(publicKey)
    case 'stellar':
      return deriveStellarAddress(publicKey)
    case 'algorand':
      return deriveAlgorandAddress(publicKey)
    case 'aptos':
      return deriveAptosAddress(publicKey)
    case 'sui':
      return deriveSuiAddress(publicKey)
    case 'near':
      return deriveNearAddress(publicKey)
    case 'xrpl':
      return deriveXrplAddress(publicKey)
    case 'cosmos':
      return deriveCosmosAddress(publicKey, format.hrp)
    case 'tezos':
      return deriveTezosAddress(publicKey, keyType)
    case 'ss58':
      return deriveSs58Address(publicKey, format.prefix)
    case 'ton':
    case 'unsupported':
      requireAddressDerivation(network)
      return undefined
  }
}

/**
 * Checks an address-valued input for a network (format and checksum) and returns its canonical
 * form (EIP-55 for EVM, lowercase for bech32 and hex formats). 400 naming the field and the network.
 */
export function validateAddress(network: NetworkInfo, address: unknown, field: string): string {
  const fail = (reason: string): never => {
    throw new AppError('validation_failed', `${field} is not a valid ${network.name} address: it ${reason}`, {
      details: { field, network: network.name, reason },
    })
  }
  if (typeof address !== 'string' || address.length === 0) return fail('must be a non-empty string')
  if (address.length > MAX_ADDRESS_LENGTH) return fail(`is longer than ${MAX_ADDRESS_LENGTH} characters`)
  const format = network.address
  try {
    switch (format.kind) {
      case 'none':
        return fail('belongs to a network without addresses')
      case 'evm':
        return validateEvmAddress(address)
      case 'segwit':
        return validateBitcoinAddress(address, format)
      case 'base58-p2pkh':
        return validateBase58Address(address, format)
      case 'cashaddr':
        return validateCashAddr(address, format)
      case 'kaspa':
        return validateKaspaAddress(address, format.prefix)
      case 'solana':
        return validateSolanaAddress(address)
      case 'tron':
        return validateTronAddress(address)
      case 'stellar':
        return validateStellarAddress(address)
      case 'algorand':
        return validateAlgorandAddress(address)
      case 'aptos':
        return validateAptosAddress(address)
      case 'sui':
        return validateSuiAddress(address)
      case 'near':
        return validateNearAddress(address)
      case 'xrpl':
        return validateXrplAddress(address)
      case 'cosmos':
        return validateCosmosAddress(address, format.hrp)
      case 'tezos':
        return validateTezosAddress(address)
      case 'ss58':
        return validateSs58Address(address, format.prefix, format.alsoAccept)
      case 'ton':
        return validateTonAddress(address, network.testnet)
      case 'unsupported':
        throw new AppError('not_implemented', `walletd cannot check ${network.name} addresses yet`, {
          details: { field, network: network.name },
        })
    }
  } catch (err) {
    if (err instanceof AppError) throw err
    return fail((err as Error).message)
  }
}
