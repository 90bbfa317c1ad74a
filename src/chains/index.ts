/**
 * The chain layer's public API, for the wallets/keys/signatures routes.
 *
 * - Networks: `requireNetwork(body.network, 'network')`, `resolveKeyType(network, body.signingKey)`,
 *   `requireKeyTypeForNetwork(network, key)` (key reuse), `requireNetworkByKebabName(param)`.
 * - Addresses: `requireAddressDerivation(network)` before generating a key for a new wallet (501
 *   where walletd cannot derive yet), then `deriveAddress(network, keyType, publicKey)` (undefined for Key*),
 *   `validateAddress(network, body.to, 'to')` for every address-valued input.
 * - Signatures: `produceSignature({network, signer, body})` → `{signature, signatures?, signedData?}`;
 *   on the key route pick the network with `networkForKeySignature(key, body)`.
 * Every client error is an AppError('validation_failed') whose details name the field (and the
 * network); nothing here touches storage.
 */
export { deriveAddress, MAX_ADDRESS_LENGTH, requireAddressDerivation, validateAddress } from './addresses.ts'
export { MAX_MESSAGE_BYTES, MAX_TRANSACTION_BYTES, maxHexLength } from './input.ts'
export {
  type AddressFormat,
  type BlockchainKind,
  blockchainKinds,
  findNetwork,
  findNetworkByKebabName,
  type NativeAsset,
  type NetworkInfo,
  networkNames,
  networks,
  requireBlockchainKind,
  requireKeyTypeForNetwork,
  requireNetwork,
  requireNetworkByKebabName,
  requireSignatureKind,
  resolveKeyType,
  type SignatureKind,
  signatureKinds,
  toKebabCase,
} from './networks.ts'
export type { DfnsSignature, SignatureOutcome } from './signature-format.ts'
export { networkForKeySignature, produceSignature, type SignatureRequestBody } from './signatures.ts'
export { type TransferFacts, transferFactsOf } from './transfer-facts.ts'
