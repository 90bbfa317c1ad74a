import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import * as viemChains from 'viem/chains'
import {
  findNetwork,
  findNetworkByKebabName,
  networkNames,
  networks,
  requireKeyTypeForNetwork,
  requireNetwork,
  requireNetworkByKebabName,
  requireSignatureKind,
  resolveKeyType,
  toKebabCase,
} from '../../../src/chains/networks.ts'
import { AppError } from '../../../src/errors.ts'

function appError(fn: () => unknown): AppError {
  try {
    fn()
  } catch (err) {
    assert.ok(err instanceof AppError, `expected an AppError, got ${err}`)
    return err
  }
  assert.fail('expected the call to throw')
}

describe('networks registry', () => {
  test('holds exactly the SDK 0.8.21 network enum plus nothing else', async () => {
    const types = await import('node:fs').then((fs) =>
      fs.readFileSync(
        new URL('../../../node_modules/@dfns/sdk/generated/wallets/types.d.ts', import.meta.url),
        'utf8',
      ),
    )
    const line = types.split('\n').find((l) => l.includes('network: ("Algorand"') && l.includes('KeyECDSA'))
    assert.ok(line, 'the SDK enum with the Key* pseudo-networks was not found')
    const sdkNames = [...line.matchAll(/"([A-Za-z0-9]+)"/g)].map((m) => m[1]).sort()
    assert.deepEqual([...networkNames].sort(), [...new Set(sdkNames)])
  })

  test('EVM chain ids agree with viem wherever viem defines the chain', () => {
    const viemIds = new Map<string, number>([
      ['Ethereum', viemChains.mainnet.id],
      ['EthereumSepolia', viemChains.sepolia.id],
      ['EthereumHolesky', viemChains.holesky.id],
      ['EthereumHoodi', viemChains.hoodi.id],
      ['EthereumGoerli', viemChains.goerli.id],
      ['Base', viemChains.base.id],
      ['BaseSepolia', viemChains.baseSepolia.id],
      ['BaseGoerli', viemChains.baseGoerli.id],
      ['ArbitrumOne', viemChains.arbitrum.id],
      ['ArbitrumSepolia', viemChains.arbitrumSepolia.id],
      ['ArbitrumGoerli', viemChains.arbitrumGoerli.id],
      ['Optimism', viemChains.optimism.id],
      ['OptimismSepolia', viemChains.optimismSepolia.id],
      ['OptimismGoerli', viemChains.optimismGoerli.id],
      ['Polygon', viemChains.polygon.id],
      ['PolygonAmoy', viemChains.polygonAmoy.id],
      ['PolygonMumbai', viemChains.polygonMumbai.id],
      ['Bsc', viemChains.bsc.id],
      ['BscTestnet', viemChains.bscTestnet.id],
      ['AvalancheC', viemChains.avalanche.id],
      ['AvalancheCFuji', viemChains.avalancheFuji.id],
      ['FantomOpera', viemChains.fantom.id],
      ['FantomTestnet', viemChains.fantomTestnet.id],
      ['Adi', viemChains.adi.id],
      ['ArcTestnet', viemChains.arcTestnet.id],
      ['Areum', viemChains.areum.id],
      ['Berachain', viemChains.berachain.id],
      ['BerachainBArtio', viemChains.berachainTestnetbArtio.id],
      ['BerachainBepolia', viemChains.berachainBepolia.id],
      ['Bob', viemChains.bob.id],
      ['BobSepolia', viemChains.bobSepolia.id],
      ['Celo', viemChains.celo.id],
      ['CeloAlfajores', viemChains.celoAlfajores.id],
      ['Codex', viemChains.codex.id],
      ['CodexSepolia', viemChains.codexTestnet.id],
      ['EthereumClassic', viemChains.classic.id],
      ['FlareC', viemChains.flare.id],
      ['FlareCCoston2', viemChains.flareTestnet.id],
      ['FlowEvm', viemChains.flowMainnet.id],
      ['FlowEvmTestnet', viemChains.flowTestnet.id],
      ['Ink', viemChains.ink.id],
      ['InkSepolia', viemChains.inkSepolia.id],
      ['Plasma', viemChains.plasma.id],
      ['PlasmaTestnet', viemChains.plasmaTestnet.id],
      ['Plume', viemChains.plumeMainnet.id],
      ['PlumeSepolia', viemChains.plumeSepolia.id],
      ['Sonic', viemChains.sonic.id],
      ['Tempo', viemChains.tempo.id],
      ['TempoModerato', viemChains.tempoModerato.id],
      ['Xdc', viemChains.xdc.id],
      ['XdcApothem', viemChains.xdcTestnet.id],
      ['XLayer', viemChains.xLayer.id],
      ['XLayerSepolia', viemChains.xLayerTestnet.id],
    ])
    for (const [name, id] of viemIds) assert.equal(findNetwork(name)?.chainId, id, name)
    // The brief's fixed points, spelled out.
    assert.equal(findNetwork('Ethereum')?.chainId, 1)
    assert.equal(findNetwork('EthereumSepolia')?.chainId, 11155111)
    assert.equal(findNetwork('EthereumHolesky')?.chainId, 17000)
    assert.equal(findNetwork('EthereumHoodi')?.chainId, 560048)
    assert.equal(findNetwork('Base')?.chainId, 8453)
  })

  test('every EVM network is ECDSA/secp256k1 and signs the EVM kinds; chain ids are unique', () => {
    const evm = networks.filter((n) => n.blockchainKind === 'Evm')
    assert.ok(evm.length >= 60)
    const ids = evm.flatMap((n) => (n.chainId === undefined ? [] : [n.chainId]))
    assert.equal(new Set(ids).size, ids.length)
    for (const n of evm) {
      assert.deepEqual(n.keyTypes, [{ scheme: 'ECDSA', curve: 'secp256k1' }], n.name)
      for (const kind of ['Hash', 'Message', 'Eip191', 'Eip712', 'Eip7702', 'Transaction']) {
        assert.ok(n.signatureKinds.includes(kind as never), `${n.name} ${kind}`)
      }
      assert.equal(n.address.kind, 'evm')
    }
  })

  test('native assets', () => {
    assert.deepEqual(findNetwork('Ethereum')?.nativeAsset, { symbol: 'ETH', decimals: 18 })
    assert.deepEqual(findNetwork('Bitcoin')?.nativeAsset, { symbol: 'BTC', decimals: 8 })
    assert.deepEqual(findNetwork('Solana')?.nativeAsset, { symbol: 'SOL', decimals: 9 })
    assert.deepEqual(findNetwork('Tron')?.nativeAsset, { symbol: 'TRX', decimals: 6 })
    assert.deepEqual(findNetwork('Polygon')?.nativeAsset, { symbol: 'POL', decimals: 18 })
    assert.equal(findNetwork('KeyECDSA')?.nativeAsset, undefined)
  })

  test('kebab-case names round-trip and are unique', () => {
    assert.equal(toKebabCase('EthereumSepolia'), 'ethereum-sepolia')
    assert.equal(toKebabCase('AvalancheCFuji'), 'avalanche-c-fuji')
    assert.equal(toKebabCase('XLayerSepolia'), 'x-layer-sepolia')
    assert.equal(toKebabCase('KeyECDSAStark'), 'key-ecdsa-stark')
    assert.equal(toKebabCase('BitcoinTestnet3'), 'bitcoin-testnet3')
    assert.equal(new Set(networks.map((n) => n.kebabName)).size, networks.length)
    for (const n of networks) assert.equal(findNetworkByKebabName(n.kebabName), n)
    assert.equal(requireNetworkByKebabName('base-sepolia').name, 'BaseSepolia')
    assert.equal(appError(() => requireNetworkByKebabName('nope')).details?.field, 'network')
  })

  test('pseudo-networks have no address and limited kinds', () => {
    assert.equal(findNetwork('KeyECDSA')?.address.kind, 'none')
    assert.deepEqual(findNetwork('KeyECDSA')?.signatureKinds, ['Hash'])
    assert.deepEqual(findNetwork('KeyEdDSA')?.signatureKinds, ['Hash', 'Message'])
    assert.deepEqual(findNetwork('KeyECDSAStark')?.keyTypes, [{ scheme: 'ECDSA', curve: 'stark' }])
  })

  test('an unknown network is a 400 naming the field and the allowed values', () => {
    const err = appError(() => requireNetwork('Ethereun', 'network'))
    assert.equal(err.status, 400)
    assert.equal(err.details?.field, 'network')
    assert.ok((err.details!.allowed as string[]).includes('Ethereum'))
    assert.match(err.message, /network must be a supported network; "Ethereun" is not/)
    assert.equal(appError(() => requireNetwork(42)).details?.field, 'network')
  })

  test('key types: defaults, allowed alternatives, and a 400 naming the allowed pairs', () => {
    assert.deepEqual(resolveKeyType(findNetwork('Bitcoin')!), { scheme: 'ECDSA', curve: 'secp256k1' })
    assert.deepEqual(resolveKeyType(findNetwork('Bitcoin')!, { scheme: 'Schnorr' }), {
      scheme: 'Schnorr',
      curve: 'secp256k1',
    })
    assert.deepEqual(resolveKeyType(findNetwork('Tezos')!, { curve: 'secp256k1' }), {
      scheme: 'ECDSA',
      curve: 'secp256k1',
    })
    const err = appError(() =>
      requireKeyTypeForNetwork(
        findNetwork('Solana')!,
        { scheme: 'ECDSA', curve: 'secp256k1' },
        'signingKey.id',
      ),
    )
    assert.equal(err.status, 400)
    assert.deepEqual(err.details, {
      field: 'signingKey.id',
      network: 'Solana',
      scheme: 'ECDSA',
      curve: 'secp256k1',
      allowed: [{ scheme: 'EdDSA', curve: 'ed25519' }],
    })
    assert.match(err.message, /Solana cannot use ECDSA\/secp256k1; allowed: EdDSA\/ed25519/)
    assert.equal(appError(() => resolveKeyType(findNetwork('Ethereum')!, { scheme: 'Schnorr' })).status, 400)
  })

  test('a signature kind the network cannot do is a 400 naming the kind and the network', () => {
    const err = appError(() => requireSignatureKind(findNetwork('Solana')!, 'Eip712'))
    assert.equal(err.status, 400)
    assert.deepEqual(err.details, {
      field: 'kind',
      kind: 'Eip712',
      network: 'Solana',
      allowed: ['Hash', 'Message', 'Transaction'],
    })
    assert.match(err.message, /Eip712 signatures are not supported on network Solana/)
    assert.equal(requireSignatureKind(findNetwork('Bitcoin')!, 'Psbt'), 'Psbt')
    assert.match(
      appError(() => requireSignatureKind(findNetwork('KeyECDSA')!, 'Message')).message,
      /KeyECDSA/,
    )
    assert.match(
      appError(() => requireSignatureKind(findNetwork('Ethereum')!, 'Bogus')).message,
      /not a signature kind/,
    )
  })
})
