import type { KeyType } from '../custody/key-types.ts'
import { AppError } from '../errors.ts'

/**
 * The registry of every Dfns network name walletd accepts: family, usable key types, address format,
 * EVM chain id, native asset and the signature kinds walletd can produce on it.
 *
 * Sources: network names = the SDK 0.8.21 enum; key types per family = the Dfns
 * chain standards; EVM chain ids and native assets = viem's chain
 * definitions (a test checks them against viem) and the chains' own documentation. Where a chain
 * id could not be confirmed it is left out rather than guessed (those networks sign EVM payloads
 * that carry their own chain id, and `Transaction` then accepts any chain id).
 */

export type BlockchainKind =
  | 'Algorand'
  | 'Aptos'
  | 'Bitcoin'
  | 'BitcoinCash'
  | 'Canton'
  | 'Cardano'
  | 'Concordium'
  | 'Cosmos'
  | 'Evm'
  | 'Hedera'
  | 'Icp'
  | 'Iota'
  | 'Kaspa'
  | 'Near'
  | 'Polymesh'
  | 'Solana'
  | 'Starknet'
  | 'Stellar'
  | 'Substrate'
  | 'Sui'
  | 'Tezos'
  | 'Ton'
  | 'Tron'
  | 'Xrpl'

export const blockchainKinds: readonly BlockchainKind[] = [
  'Algorand',
  'Aptos',
  'Bitcoin',
  'BitcoinCash',
  'Canton',
  'Cardano',
  'Concordium',
  'Cosmos',
  'Evm',
  'Hedera',
  'Icp',
  'Iota',
  'Kaspa',
  'Near',
  'Polymesh',
  'Solana',
  'Starknet',
  'Stellar',
  'Substrate',
  'Sui',
  'Tezos',
  'Ton',
  'Tron',
  'Xrpl',
]

export type SignatureKind =
  | 'Hash'
  | 'Message'
  | 'Transaction'
  | 'Eip191'
  | 'Eip712'
  | 'Eip7702'
  | 'Snip12'
  | 'Psbt'
  | 'Bip322'
  | 'SignDocDirect'
  | 'SignerPayload'
  | 'Cip8'

/** Every kind a signature request body may name (the SDK's union), whether walletd does it or not. */
export const signatureKinds: readonly SignatureKind[] = [
  'Hash',
  'Message',
  'Transaction',
  'Eip191',
  'Eip712',
  'Eip7702',
  'Snip12',
  'Psbt',
  'Bip322',
  'SignDocDirect',
  'SignerPayload',
  'Cip8',
]

/** How addresses of a network look; the parameters are what derivation and validation need. */
export type AddressFormat =
  | { kind: 'none' } // Key* pseudo-networks
  | { kind: 'evm' }
  | { kind: 'segwit'; hrp: string; pubKeyHash: number; scriptHash: number; taproot: boolean }
  | { kind: 'base58-p2pkh'; pubKeyHash: number; scriptHash: number }
  | { kind: 'cashaddr'; prefix: string; pubKeyHash: number; scriptHash: number }
  | { kind: 'kaspa'; prefix: string }
  | { kind: 'solana' }
  | { kind: 'tron' }
  | { kind: 'stellar' }
  | { kind: 'algorand' }
  | { kind: 'aptos' }
  | { kind: 'sui' } // Sui and Iota (Move-based, same derivation)
  | { kind: 'near' }
  | { kind: 'xrpl' }
  | { kind: 'cosmos'; hrp: string }
  | { kind: 'tezos' }
  | { kind: 'ss58'; prefix: number; alsoAccept?: number[] }
  | { kind: 'ton'; testnet: boolean } // validation only: derivation needs the wallet contract's code
  | { kind: 'unsupported'; description: string } // walletd neither derives nor checks these yet

/** How `signature.encoded` is laid out for ECDSA on a network (EdDSA/Schnorr are always r‖s). */
export type EcdsaEncoding = 'rsv' | 'der' | 'rs'

export interface NativeAsset {
  symbol: string
  decimals: number
}

export interface NetworkInfo {
  readonly name: string
  /** For `/networks/:network/call-function`, e.g. `ethereum-sepolia`. */
  readonly kebabName: string
  /** null for the Key* pseudo-networks, which belong to no chain. */
  readonly blockchainKind: BlockchainKind | null
  readonly testnet: boolean
  /** Key types a wallet on this network may use; the first is the default for new wallets. */
  readonly keyTypes: readonly KeyType[]
  readonly address: AddressFormat
  readonly ecdsaEncoding: EcdsaEncoding
  readonly chainId?: number
  readonly nativeAsset?: NativeAsset
  /** The signature request kinds walletd produces on this network. */
  readonly signatureKinds: readonly SignatureKind[]
  /** The wallet starts `Inactive` and needs on-chain activation (Hedera, Concordium, Canton). */
  readonly requiresActivation: boolean
}

const ECDSA: KeyType = { scheme: 'ECDSA', curve: 'secp256k1' }
const SCHNORR: KeyType = { scheme: 'Schnorr', curve: 'secp256k1' }
const EDDSA: KeyType = { scheme: 'EdDSA', curve: 'ed25519' }
const STARK: KeyType = { scheme: 'ECDSA', curve: 'stark' }

const EVM_KINDS: SignatureKind[] = ['Hash', 'Message', 'Eip191', 'Eip712', 'Eip7702', 'Transaction']
const EDDSA_KINDS: SignatureKind[] = ['Hash', 'Message']
const WITH_TX = { kinds: [...EDDSA_KINDS, 'Transaction'] } satisfies Partial<Row>

interface Row {
  name: string
  kind: BlockchainKind | null
  testnet?: boolean
  keyTypes: KeyType[]
  address: AddressFormat
  ecdsaEncoding?: EcdsaEncoding
  chainId?: number
  asset?: NativeAsset
  kinds: SignatureKind[]
  activation?: boolean
}

const asset = (symbol: string, decimals: number): NativeAsset => ({ symbol, decimals })

function evm(
  name: string,
  chainId: number | undefined,
  native: NativeAsset | undefined,
  testnet: boolean,
): Row {
  return {
    name,
    kind: 'Evm',
    testnet,
    keyTypes: [ECDSA],
    address: { kind: 'evm' },
    ecdsaEncoding: 'rsv',
    ...(chainId === undefined ? {} : { chainId }),
    ...(native ? { asset: native } : {}),
    kinds: EVM_KINDS,
  }
}

function eddsaChain(
  name: string,
  kind: BlockchainKind,
  address: AddressFormat,
  native: NativeAsset | undefined,
  testnet: boolean,
  extra: Partial<Row> = {},
): Row {
  return {
    name,
    kind,
    testnet,
    keyTypes: [EDDSA],
    address,
    ...(native ? { asset: native } : {}),
    kinds: EDDSA_KINDS,
    ...extra,
  }
}

const ETH = asset('ETH', 18)

// Bitcoin-family address parameters (version bytes per each chain's chainparams.cpp).
const BTC_MAIN = { hrp: 'bc', pubKeyHash: 0x00, scriptHash: 0x05 }
const BTC_TEST = { hrp: 'tb', pubKeyHash: 0x6f, scriptHash: 0xc4 }

const rows: Row[] = [
  // ── EVM ────────────────────────────────────────────────────────────────────────────────────
  evm('Ethereum', 1, ETH, false),
  evm('EthereumSepolia', 11155111, ETH, true),
  evm('EthereumHolesky', 17000, ETH, true),
  evm('EthereumHoodi', 560048, ETH, true),
  evm('EthereumGoerli', 5, ETH, true),
  evm('Base', 8453, ETH, false),
  evm('BaseSepolia', 84532, ETH, true),
  evm('BaseGoerli', 84531, ETH, true),
  evm('ArbitrumOne', 42161, ETH, false),
  evm('ArbitrumSepolia', 421614, ETH, true),
  evm('ArbitrumGoerli', 421613, ETH, true),
  evm('Optimism', 10, ETH, false),
  evm('OptimismSepolia', 11155420, ETH, true),
  evm('OptimismGoerli', 420, ETH, true),
  evm('Polygon', 137, asset('POL', 18), false),
  evm('PolygonAmoy', 80002, asset('POL', 18), true),
  evm('PolygonMumbai', 80001, asset('MATIC', 18), true),
  evm('Bsc', 56, asset('BNB', 18), false),
  evm('BscTestnet', 97, asset('BNB', 18), true),
  evm('AvalancheC', 43114, asset('AVAX', 18), false),
  evm('AvalancheCFuji', 43113, asset('AVAX', 18), true),
  evm('FantomOpera', 250, asset('FTM', 18), false),
  evm('FantomTestnet', 4002, asset('FTM', 18), true),
  evm('Adi', 36900, asset('ADI', 18), false),
  evm('AdiTestnet', undefined, asset('ADI', 18), true),
  evm('AdiTestnetAb', undefined, asset('ADI', 18), true),
  evm('ArcTestnet', 5042002, asset('USDC', 18), true),
  evm('Areum', 463, asset('AREA', 18), false),
  evm('Berachain', 80094, asset('BERA', 18), false),
  evm('BerachainBArtio', 80084, asset('BERA', 18), true),
  evm('BerachainBepolia', 80069, asset('BERA', 18), true),
  evm('BesuTestnet', undefined, undefined, true),
  evm('Bob', 60808, ETH, false),
  evm('BobSepolia', 808813, ETH, true),
  evm('Celo', 42220, asset('CELO', 18), false),
  evm('CeloAlfajores', 44787, asset('CELO', 18), true),
  evm('Codex', 81224, ETH, false),
  evm('CodexSepolia', 812242, ETH, true),
  evm('EthereumClassic', 61, asset('ETC', 18), false),
  evm('EthereumClassicMordor', 63, asset('ETC', 18), true),
  evm('FlareC', 14, asset('FLR', 18), false),
  evm('FlareCCoston2', 114, asset('C2FLR', 18), true),
  evm('FlowEvm', 747, asset('FLOW', 18), false),
  evm('FlowEvmTestnet', 545, asset('FLOW', 18), true),
  evm('Ink', 57073, ETH, false),
  evm('InkSepolia', 763373, ETH, true),
  evm('Plasma', 9745, asset('XPL', 18), false),
  evm('PlasmaTestnet', 9746, asset('XPL', 18), true),
  evm('Plume', 98866, asset('PLUME', 18), false),
  evm('PlumeSepolia', 98867, asset('PLUME', 18), true),
  evm('Race', undefined, undefined, false),
  evm('RaceSepolia', undefined, undefined, true),
  evm('Sonic', 146, asset('S', 18), false),
  // Sonic has had several testnets (64165, 57054 Blaze, 14601); which one Dfns means is unconfirmed.
  evm('SonicTestnet', undefined, asset('S', 18), true),
  // Tempo has no native coin; viem describes its fee unit as USD with 6 decimals.
  evm('Tempo', 4217, asset('USD', 6), false),
  evm('TempoAndantino', undefined, asset('USD', 6), true),
  evm('TempoModerato', 42431, asset('USD', 6), true),
  evm('Tsc', undefined, undefined, false),
  evm('TscTestnet1', undefined, undefined, true),
  evm('Xdc', 50, asset('XDC', 18), false),
  evm('XdcApothem', 51, asset('TXDC', 18), true),
  evm('XLayer', 196, asset('OKB', 18), false),
  // The current X Layer testnet (OKX docs: chain id 1952; the earlier X1 testnet was 195).
  evm('XLayerSepolia', 1952, asset('OKB', 18), true),

  // ── Bitcoin family ─────────────────────────────────────────────────────────────────────────
  ...(
    [
      ['Bitcoin', BTC_MAIN, false],
      ['BitcoinTestnet3', BTC_TEST, true],
      ['BitcoinTestnet4', BTC_TEST, true],
      ['BitcoinSignet', BTC_TEST, true],
    ] as const
  ).map(
    ([name, params, testnet]): Row => ({
      name,
      kind: 'Bitcoin',
      testnet,
      keyTypes: [ECDSA, SCHNORR],
      address: { kind: 'segwit', ...params, taproot: true },
      ecdsaEncoding: 'der',
      asset: asset('BTC', 8),
      kinds: ['Hash', 'Psbt', 'Bip322'],
    }),
  ),
  ...(
    [
      ['Litecoin', { hrp: 'ltc', pubKeyHash: 0x30, scriptHash: 0x32 }, false],
      ['LitecoinTestnet', { hrp: 'tltc', pubKeyHash: 0x6f, scriptHash: 0x3a }, true],
    ] as const
  ).map(
    ([name, params, testnet]): Row => ({
      name,
      kind: 'Bitcoin',
      testnet,
      keyTypes: [ECDSA],
      address: { kind: 'segwit', ...params, taproot: false },
      ecdsaEncoding: 'der',
      asset: asset('LTC', 8),
      kinds: ['Hash', 'Psbt'],
    }),
  ),
  {
    name: 'Dogecoin',
    kind: 'Bitcoin',
    keyTypes: [ECDSA],
    address: { kind: 'base58-p2pkh', pubKeyHash: 0x1e, scriptHash: 0x16 },
    ecdsaEncoding: 'der',
    asset: asset('DOGE', 8),
    kinds: ['Hash'],
  },
  {
    name: 'DogecoinTestnet',
    kind: 'Bitcoin',
    testnet: true,
    keyTypes: [ECDSA],
    address: { kind: 'base58-p2pkh', pubKeyHash: 0x71, scriptHash: 0xc4 },
    ecdsaEncoding: 'der',
    asset: asset('DOGE', 8),
    kinds: ['Hash'],
  },
  {
    name: 'BitcoinCash',
    kind: 'BitcoinCash',
    keyTypes: [ECDSA],
    address: { kind: 'cashaddr', prefix: 'bitcoincash', pubKeyHash: 0x00, scriptHash: 0x05 },
    ecdsaEncoding: 'der',
    asset: asset('BCH', 8),
    kinds: ['Hash'],
  },
  {
    name: 'BitcoinCashTestnet',
    kind: 'BitcoinCash',
    testnet: true,
    keyTypes: [ECDSA],
    address: { kind: 'cashaddr', prefix: 'bchtest', pubKeyHash: 0x6f, scriptHash: 0xc4 },
    ecdsaEncoding: 'der',
    asset: asset('BCH', 8),
    kinds: ['Hash'],
  },

  // ── Solana, Tron ───────────────────────────────────────────────────────────────────────────
  ...(['Solana', 'SolanaDevnet'] as const).map((name) =>
    eddsaChain(name, 'Solana', { kind: 'solana' }, asset('SOL', 9), name !== 'Solana', {
      kinds: ['Hash', 'Message', 'Transaction'],
    }),
  ),
  ...(['Tron', 'TronNile'] as const).map(
    (name): Row => ({
      name,
      kind: 'Tron',
      testnet: name !== 'Tron',
      keyTypes: [ECDSA],
      address: { kind: 'tron' },
      ecdsaEncoding: 'rsv',
      asset: asset('TRX', 6),
      kinds: ['Hash', 'Transaction'],
    }),
  ),

  // ── EdDSA account chains ───────────────────────────────────────────────────────────────────
  eddsaChain('Ton', 'Ton', { kind: 'ton', testnet: false }, asset('TON', 9), false),
  eddsaChain('TonTestnet', 'Ton', { kind: 'ton', testnet: true }, asset('TON', 9), true),
  eddsaChain('Stellar', 'Stellar', { kind: 'stellar' }, asset('XLM', 7), false, WITH_TX),
  eddsaChain('StellarTestnet', 'Stellar', { kind: 'stellar' }, asset('XLM', 7), true, WITH_TX),
  eddsaChain('Algorand', 'Algorand', { kind: 'algorand' }, asset('ALGO', 6), false, WITH_TX),
  eddsaChain('AlgorandTestnet', 'Algorand', { kind: 'algorand' }, asset('ALGO', 6), true, WITH_TX),
  eddsaChain('Aptos', 'Aptos', { kind: 'aptos' }, asset('APT', 8), false, WITH_TX),
  eddsaChain('AptosTestnet', 'Aptos', { kind: 'aptos' }, asset('APT', 8), true, WITH_TX),
  eddsaChain('Sui', 'Sui', { kind: 'sui' }, asset('SUI', 9), false, WITH_TX),
  eddsaChain('SuiTestnet', 'Sui', { kind: 'sui' }, asset('SUI', 9), true, WITH_TX),
  eddsaChain('Iota', 'Iota', { kind: 'sui' }, asset('IOTA', 9), false),
  eddsaChain('IotaTestnet', 'Iota', { kind: 'sui' }, asset('IOTA', 9), true),
  eddsaChain('IotaZodianet', 'Iota', { kind: 'sui' }, asset('IOTA', 9), true),
  eddsaChain('Near', 'Near', { kind: 'near' }, asset('NEAR', 24), false, WITH_TX),
  eddsaChain('NearTestnet', 'Near', { kind: 'near' }, asset('NEAR', 24), true, WITH_TX),
  // SS58 prefixes: the ss58-registry (Polkadot 0, Kusama 2, generic Substrate 42, Polymesh 12).
  eddsaChain('Polkadot', 'Substrate', { kind: 'ss58', prefix: 0 }, asset('DOT', 10), false),
  eddsaChain('PolkadotAssetHub', 'Substrate', { kind: 'ss58', prefix: 0 }, asset('DOT', 10), false),
  eddsaChain('Kusama', 'Substrate', { kind: 'ss58', prefix: 2 }, asset('KSM', 12), false),
  eddsaChain('KusamaAssetHub', 'Substrate', { kind: 'ss58', prefix: 2 }, asset('KSM', 12), false),
  eddsaChain('Westend', 'Substrate', { kind: 'ss58', prefix: 42 }, asset('WND', 12), true),
  eddsaChain('WestendAssetHub', 'Substrate', { kind: 'ss58', prefix: 42 }, asset('WND', 12), true),
  // Paseo and the Polymesh testnet: the prefix walletd prints is not confirmed by a source, so the
  // generic/alternative prefix is accepted on input too (SS58 prefixes are client-side only; the
  // account id is the same 32 bytes).
  eddsaChain('Paseo', 'Substrate', { kind: 'ss58', prefix: 0, alsoAccept: [42] }, asset('PAS', 10), true),
  eddsaChain(
    'PaseoAssetHub',
    'Substrate',
    { kind: 'ss58', prefix: 0, alsoAccept: [42] },
    asset('PAS', 10),
    true,
  ),
  eddsaChain('Polymesh', 'Polymesh', { kind: 'ss58', prefix: 12 }, asset('POLYX', 6), false),
  eddsaChain(
    'PolymeshTestnet',
    'Polymesh',
    { kind: 'ss58', prefix: 42, alsoAccept: [12] },
    asset('POLYX', 6),
    true,
  ),
  eddsaChain(
    'Cardano',
    'Cardano',
    { kind: 'unsupported', description: 'bech32 addr1…' },
    asset('ADA', 6),
    false,
  ),
  eddsaChain(
    'CardanoPreprod',
    'Cardano',
    { kind: 'unsupported', description: 'bech32 addr_test1…' },
    asset('ADA', 6),
    true,
  ),
  ...(['Hedera', 'HederaTestnet'] as const).map((name) =>
    eddsaChain(
      name,
      'Hedera',
      { kind: 'unsupported', description: 'account id 0.0.N' },
      asset('HBAR', 8),
      name !== 'Hedera',
      {
        activation: true,
      },
    ),
  ),
  ...(['Concordium', 'ConcordiumTestnet'] as const).map((name) =>
    eddsaChain(
      name,
      'Concordium',
      { kind: 'unsupported', description: 'base58check' },
      asset('CCD', 6),
      name !== 'Concordium',
      {
        activation: true,
      },
    ),
  ),
  ...(['Canton', 'CantonDevnet', 'CantonTestnet'] as const).map((name) =>
    eddsaChain(
      name,
      'Canton',
      { kind: 'unsupported', description: 'party id' },
      undefined,
      name !== 'Canton',
      {
        activation: true,
      },
    ),
  ),

  // ── Tezos: tz1 (ed25519) or tz2 (secp256k1) ────────────────────────────────────────────────
  ...(['Tezos', 'TezosGhostnet', 'TezosShadownet'] as const).map(
    (name): Row => ({
      name,
      kind: 'Tezos',
      testnet: name !== 'Tezos',
      keyTypes: [EDDSA, ECDSA],
      address: { kind: 'tezos' },
      ecdsaEncoding: 'rs',
      asset: asset('XTZ', 6),
      kinds: ['Hash', 'Message', 'Transaction'],
    }),
  ),

  // ── secp256k1 account chains ───────────────────────────────────────────────────────────────
  ...(['XrpLedger', 'XrpLedgerTestnet'] as const).map(
    (name): Row => ({
      name,
      kind: 'Xrpl',
      testnet: name !== 'XrpLedger',
      keyTypes: [ECDSA],
      address: { kind: 'xrpl' },
      ecdsaEncoding: 'der',
      asset: asset('XRP', 6),
      kinds: ['Hash', 'Transaction'],
    }),
  ),
  ...(
    [
      ['CosmosHub4', 'cosmos', asset('ATOM', 6), false],
      ['CosmosIcsTestnet', 'cosmos', asset('ATOM', 6), true],
      ['SeiPacific1', 'sei', asset('SEI', 6), false],
      ['SeiAtlantic2', 'sei', asset('SEI', 6), true],
      ['BabylonGenesis', 'bbn', asset('BABY', 6), false],
      ['BabylonTestnet5', 'bbn', asset('BABY', 6), true],
    ] as const
  ).map(
    ([name, hrp, native, testnet]): Row => ({
      name,
      kind: 'Cosmos',
      testnet,
      keyTypes: [ECDSA],
      address: { kind: 'cosmos', hrp },
      ecdsaEncoding: 'rs',
      asset: native,
      kinds: ['Hash', 'SignDocDirect'],
    }),
  ),
  ...(['Kaspa', 'KaspaTestnet11'] as const).map(
    (name): Row => ({
      name,
      kind: 'Kaspa',
      testnet: name !== 'Kaspa',
      keyTypes: [SCHNORR, ECDSA],
      address: { kind: 'kaspa', prefix: name === 'Kaspa' ? 'kaspa' : 'kaspatest' },
      ecdsaEncoding: 'der',
      asset: asset('KAS', 8),
      kinds: ['Hash'],
    }),
  ),
  ...(['InternetComputer', 'Origyn'] as const).map(
    (name): Row => ({
      name,
      kind: 'Icp',
      keyTypes: [ECDSA],
      address: { kind: 'unsupported', description: 'principal / account id' },
      ecdsaEncoding: 'rs',
      asset: name === 'Origyn' ? asset('OGY', 8) : asset('ICP', 8),
      kinds: ['Hash'],
    }),
  ),
  ...(['Starknet', 'StarknetSepolia'] as const).map(
    (name): Row => ({
      name,
      kind: 'Starknet',
      testnet: name !== 'Starknet',
      keyTypes: [STARK],
      address: { kind: 'unsupported', description: '0x felt' },
      ecdsaEncoding: 'rs',
      asset: asset('STRK', 18),
      kinds: [],
    }),
  ),
  // Ion: the reference records no key type; walletd accepts the name but can create nothing on it.
  ...(['Ion', 'IonTestnet'] as const).map(
    (name): Row => ({
      name,
      kind: null,
      testnet: name !== 'Ion',
      keyTypes: [],
      address: { kind: 'unsupported', description: 'unknown' },
      kinds: [],
    }),
  ),

  // ── Pseudo-networks: a bare key, no address, signatures only ───────────────────────────────
  {
    name: 'KeyECDSA',
    kind: null,
    keyTypes: [ECDSA],
    address: { kind: 'none' },
    ecdsaEncoding: 'der',
    kinds: ['Hash'],
  },
  { name: 'KeyEdDSA', kind: null, keyTypes: [EDDSA], address: { kind: 'none' }, kinds: ['Hash', 'Message'] },
  { name: 'KeyECDSAStark', kind: null, keyTypes: [STARK], address: { kind: 'none' }, kinds: ['Hash'] },
]

/** `EthereumSepolia` → `ethereum-sepolia`, `AvalancheCFuji` → `avalanche-c-fuji`, `KeyECDSA` → `key-ecdsa`. */
export function toKebabCase(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/([A-Z])([A-Z][a-z])/g, '$1-$2')
    .toLowerCase()
}

function freeze(row: Row): NetworkInfo {
  return Object.freeze({
    name: row.name,
    kebabName: toKebabCase(row.name),
    blockchainKind: row.kind,
    testnet: row.testnet ?? false,
    keyTypes: Object.freeze(row.keyTypes.map((k) => Object.freeze({ ...k }))),
    address: Object.freeze(row.address),
    ecdsaEncoding: row.ecdsaEncoding ?? 'rs',
    ...(row.chainId === undefined ? {} : { chainId: row.chainId }),
    ...(row.asset ? { nativeAsset: Object.freeze(row.asset) } : {}),
    signatureKinds: Object.freeze([...row.kinds]),
    requiresActivation: row.activation ?? false,
  })
}

const byName = new Map<string, NetworkInfo>(rows.map((r) => [r.name, freeze(r)]))
const byKebab = new Map<string, NetworkInfo>([...byName.values()].map((n) => [n.kebabName, n]))

/** Every network, in registry order. */
export const networks: readonly NetworkInfo[] = Object.freeze([...byName.values()])
export const networkNames: readonly string[] = Object.freeze(networks.map((n) => n.name))

export function findNetwork(name: string): NetworkInfo | undefined {
  return byName.get(name)
}

/** The network for a kebab-case path segment (`ethereum-sepolia`); the PascalCase name also works. */
export function findNetworkByKebabName(kebab: string): NetworkInfo | undefined {
  return byKebab.get(kebab) ?? byName.get(kebab)
}

/** 400 naming the field and the allowed values when `value` is not a Dfns network name. */
export function requireNetwork(value: unknown, field = 'network'): NetworkInfo {
  const found = typeof value === 'string' ? byName.get(value) : undefined
  if (found) return found
  throw new AppError('validation_failed', `${field} must be a supported network; ${describe(value)} is not`, {
    details: { field, value: typeof value === 'string' ? value.slice(0, 64) : value, allowed: networkNames },
  })
}

export function requireNetworkByKebabName(value: string, field = 'network'): NetworkInfo {
  const found = findNetworkByKebabName(value)
  if (found) return found
  throw new AppError(
    'validation_failed',
    `${field} must be a kebab-case network name; ${describe(value)} is not`,
    {
      details: { field, value: value.slice(0, 64), allowed: networks.map((n) => n.kebabName) },
    },
  )
}

export function requireBlockchainKind(value: unknown, field = 'blockchainKind'): BlockchainKind {
  if (typeof value === 'string' && (blockchainKinds as readonly string[]).includes(value)) {
    return value as BlockchainKind
  }
  throw new AppError('validation_failed', `${field} must be a blockchain kind; ${describe(value)} is not`, {
    details: { field, value, allowed: blockchainKinds },
  })
}

/**
 * The key type for a new wallet: the network's default when the caller gave neither scheme nor
 * curve, else the requested pair, which must be one the network can use (400 naming the allowed).
 */
export function resolveKeyType(
  network: NetworkInfo,
  requested: { scheme?: string; curve?: string } = {},
  field = 'signingKey',
): KeyType {
  const { scheme, curve } = requested
  const match = network.keyTypes.find(
    (k) => (scheme === undefined || k.scheme === scheme) && (curve === undefined || k.curve === curve),
  )
  if (match) return { ...match }
  const asked = [scheme, curve].filter(Boolean).join('/') || 'a key'
  throw new AppError(
    'validation_failed',
    network.keyTypes.length
      ? `${field}: network ${network.name} cannot use ${asked}; allowed: ${network.keyTypes.map((k) => `${k.scheme}/${k.curve}`).join(', ')}`
      : `${field}: walletd cannot create keys for network ${network.name}`,
    { details: { field, network: network.name, scheme, curve, allowed: network.keyTypes } },
  )
}

/** 400 unless an existing key of type `key` may serve a wallet on `network` (e.g. key reuse). */
export function requireKeyTypeForNetwork(network: NetworkInfo, key: KeyType, field = 'signingKey'): void {
  resolveKeyType(network, { scheme: key.scheme, curve: key.curve }, field)
}

/** 400 naming the kind and the network when walletd cannot produce that kind of signature there. */
export function requireSignatureKind(network: NetworkInfo, kind: unknown, field = 'kind'): SignatureKind {
  if (typeof kind === 'string' && network.signatureKinds.includes(kind as SignatureKind)) {
    return kind as SignatureKind
  }
  const known = typeof kind === 'string' && (signatureKinds as readonly string[]).includes(kind)
  throw new AppError(
    'validation_failed',
    known
      ? `${field}: ${kind} signatures are not supported on network ${network.name}`
      : `${field}: ${describe(kind)} is not a signature kind`,
    { details: { field, kind, network: network.name, allowed: network.signatureKinds } },
  )
}

function describe(value: unknown): string {
  if (typeof value === 'string') return `"${value.slice(0, 64)}"`
  if (value === undefined) return 'a missing value'
  return `a value of type ${value === null ? 'null' : typeof value}`
}
