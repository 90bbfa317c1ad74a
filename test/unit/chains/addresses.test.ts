import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { describe, test } from 'node:test'
import { ed25519 } from '@noble/curves/ed25519.js'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { HDKey } from '@scure/bip32'
import * as btc from '@scure/btc-signer'
import { privateKeyToAccount } from 'viem/accounts'
import { deriveAddress, requireAddressDerivation, validateAddress } from '../../../src/chains/addresses.ts'
import { findNetwork, networks } from '../../../src/chains/networks.ts'
import { AppError } from '../../../src/errors.ts'

const ECDSA = { scheme: 'ECDSA', curve: 'secp256k1' } as const
const SCHNORR = { scheme: 'Schnorr', curve: 'secp256k1' } as const
const EDDSA = { scheme: 'EdDSA', curve: 'ed25519' } as const
const net = (name: string) => findNetwork(name)!
const hex = (h: string) => Uint8Array.from(Buffer.from(h, 'hex'))
const PRIV_ONE = hex(`${'00'.repeat(31)}01`)
const PUB_ONE = secp256k1.getPublicKey(PRIV_ONE, true)

function rejects(network: string, address: unknown, reason?: RegExp): AppError {
  try {
    validateAddress(net(network), address, 'to')
  } catch (err) {
    assert.ok(err instanceof AppError)
    assert.equal(err.status, 400)
    assert.equal(err.details?.field, 'to')
    assert.equal(err.details?.network, network)
    if (reason) assert.match(err.message, reason)
    return err
  }
  assert.fail(`${String(address)} was accepted on ${network}`)
}

describe('EVM addresses', () => {
  test('private key 1 → 0x7E5F…5Bdf, the address viem derives', () => {
    const address = deriveAddress(net('Ethereum'), ECDSA, PUB_ONE)
    assert.equal(address, '0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf')
    assert.equal(address, privateKeyToAccount(`0x${'00'.repeat(31)}01`).address)
  })

  test('random keys agree with viem', () => {
    for (let i = 0; i < 20; i++) {
      const priv = secp256k1.utils.randomSecretKey()
      const expected = privateKeyToAccount(`0x${Buffer.from(priv).toString('hex')}`).address
      assert.equal(deriveAddress(net('Base'), ECDSA, secp256k1.getPublicKey(priv, true)), expected)
    }
  })

  test('lowercase accepted and checksummed; mixed case must pass EIP-55', () => {
    const good = '0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf'
    assert.equal(validateAddress(net('Ethereum'), good.toLowerCase(), 'to'), good)
    assert.equal(validateAddress(net('Ethereum'), good, 'to'), good)
    rejects('Ethereum', '0x7E5F4552091A69125d5DfCb7b8C2659029395BdF', /EIP-55/)
    rejects('Ethereum', '0x7E5F4552091A69125d5DfCb7b8C2659029395Bd', /40 hex/)
    rejects('Ethereum', 'TPL66VK2gCXNCD7EJg9pgJRfqcRazjhUZY')
    rejects('EthereumSepolia', '9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM', /EthereumSepolia address/)
    rejects('Ethereum', 'x'.repeat(200), /longer than/)
    rejects('Ethereum', 42, /non-empty string/)
  })
})

describe('Bitcoin-family addresses', () => {
  // BIP-84 and BIP-86 published vectors, mnemonic "abandon … about", first receive address.
  test('BIP-84 m/84h/0h/0h/0/0 public key → bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu', () => {
    const pub = hex('0330d54fd0dd420a6e5f8d3624f5f3482cae350f79d5f0753bf5beef9c2d91af3c')
    assert.equal(deriveAddress(net('Bitcoin'), ECDSA, pub), 'bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu')
    assert.equal(btc.p2wpkh(pub).address, 'bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu')
  })

  test('BIP-86 m/86h/0h/0h/0/0 internal key → bc1p5cyxnuxmeuwuvkwfem96lqzszd02n6xdcjrs20cac6yqjjwudpxqkedrcr', () => {
    const pub = hex('02cc8a4bc64d897bddc5fbc2f670f7a8ba0b386779106cf1223c6fc5d7cd6fc115')
    const expected = 'bc1p5cyxnuxmeuwuvkwfem96lqzszd02n6xdcjrs20cac6yqjjwudpxqkedrcr'
    assert.equal(deriveAddress(net('Bitcoin'), SCHNORR, pub), expected)
    assert.equal(btc.p2tr(pub.subarray(1)).address, expected)
  })

  test('random keys agree with @scure/btc-signer on every Bitcoin network', () => {
    const nets = [
      ['Bitcoin', btc.NETWORK],
      ['BitcoinTestnet3', btc.TEST_NETWORK],
      ['BitcoinTestnet4', btc.TEST_NETWORK],
      ['BitcoinSignet', btc.TEST_NETWORK],
    ] as const
    for (const [name, params] of nets) {
      const hd = HDKey.fromMasterSeed(crypto.getRandomValues(new Uint8Array(32)))
      const pub = hd.publicKey!
      const p2wpkh = deriveAddress(net(name), ECDSA, pub)!
      const p2tr = deriveAddress(net(name), SCHNORR, pub)!
      assert.equal(p2wpkh, btc.p2wpkh(pub, params).address)
      assert.equal(p2tr, btc.p2tr(pub.subarray(1), undefined, params).address)
      assert.match(p2wpkh, name === 'Bitcoin' ? /^bc1q/ : /^tb1q/)
      assert.match(p2tr, name === 'Bitcoin' ? /^bc1p/ : /^tb1p/)
      assert.equal(validateAddress(net(name), p2wpkh, 'to'), p2wpkh)
      assert.equal(validateAddress(net(name), p2tr.toUpperCase(), 'to'), p2tr)
    }
  })

  test('Litecoin P2WPKH and Dogecoin P2PKH', () => {
    const litecoin = { bech32: 'ltc', pubKeyHash: 0x30, scriptHash: 0x32, wif: 0xb0 }
    assert.equal(deriveAddress(net('Litecoin'), ECDSA, PUB_ONE), btc.p2wpkh(PUB_ONE, litecoin).address)
    const doge = { bech32: 'doge', pubKeyHash: 0x1e, scriptHash: 0x16, wif: 0x9e }
    assert.equal(deriveAddress(net('Dogecoin'), ECDSA, PUB_ONE), btc.p2pkh(PUB_ONE, doge).address)
    assert.equal(
      validateAddress(net('Dogecoin'), 'DFpN6QqFfUm3gKNaxN6tNcab1FArL9cZLE', 'to'),
      'DFpN6QqFfUm3gKNaxN6tNcab1FArL9cZLE',
    )
    assert.throws(() => deriveAddress(net('Litecoin'), SCHNORR, PUB_ONE), /Litecoin cannot use Schnorr/)
  })

  test('Bitcoin Cash CashAddr: the specification vectors (hash 76a04053…9873)', () => {
    // cashaddr.md test vectors: the same 160-bit hash as P2PKH, P2SH, and on testnet.
    assert.equal(
      validateAddress(net('BitcoinCash'), 'bitcoincash:qpm2qsznhks23z7629mms6s4cwef74vcwvy22gdx6a', 'to'),
      'bitcoincash:qpm2qsznhks23z7629mms6s4cwef74vcwvy22gdx6a',
    )
    assert.equal(
      validateAddress(net('BitcoinCash'), 'qpm2qsznhks23z7629mms6s4cwef74vcwvy22gdx6a', 'to'),
      'bitcoincash:qpm2qsznhks23z7629mms6s4cwef74vcwvy22gdx6a',
    )
    assert.ok(
      validateAddress(net('BitcoinCash'), 'BITCOINCASH:PPM2QSZNHKS23Z7629MMS6S4CWEF74VCWVN0H829PQ', 'to'),
    )
    assert.ok(
      validateAddress(net('BitcoinCashTestnet'), 'bchtest:qpm2qsznhks23z7629mms6s4cwef74vcwvqcw003ap', 'to'),
    )
    assert.ok(validateAddress(net('BitcoinCash'), '1BpEi6DfDAUFd7GtittLSdBeYJvcoaVggu', 'to'))
    rejects('BitcoinCash', 'bitcoincash:qpm2qsznhks23z7629mms6s4cwef74vcwvy22gdx6c', /checksum/)
    rejects('BitcoinCash', 'bchtest:qpm2qsznhks23z7629mms6s4cwef74vcwvqcw003ap', /prefix/)
    // Derivation: HASH160 of the key, checked against btc-signer's P2PKH of the same key.
    const cash = deriveAddress(net('BitcoinCash'), ECDSA, PUB_ONE)!
    assert.match(cash, /^bitcoincash:q/)
    const legacy = btc.p2pkh(PUB_ONE).address!
    assert.equal(validateAddress(net('BitcoinCash'), legacy, 'to'), legacy)
  })

  test('validation: checksums, wrong network, wrong bech32 variant, legacy forms', () => {
    // BIP-173 / BIP-350 vectors.
    assert.ok(validateAddress(net('Bitcoin'), 'BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4', 'to'))
    rejects('Bitcoin', 'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5', /checksum/)
    rejects('Bitcoin', 'tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx', /bc1/)
    rejects('BitcoinTestnet4', 'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4')
    // bech32 (not bech32m) checksum on a v1 program: BIP-350 invalid vector.
    rejects('Bitcoin', 'bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqh2y7hd')
    rejects('Bitcoin', 'bc1qw508d6qejxtdg4Y5r3zarvary0c5xw7kv8f3t4', /mixes/)
    assert.ok(validateAddress(net('Bitcoin'), '1BgGZ9tcN4rm9KBzDn7KprQz87SZ26SAMH', 'to')) // key 1, P2PKH
    rejects('Bitcoin', '1BgGZ9tcN4rm9KBzDn7KprQz87SZ26SAMJ', /checksum/)
    rejects('BitcoinTestnet3', '1BgGZ9tcN4rm9KBzDn7KprQz87SZ26SAMH', /another network/)
  })
})

describe('Solana, Tron and the other families', () => {
  test('Solana: base58 of the ed25519 key (RFC 8032 test 1 key)', () => {
    const seed = hex('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60')
    const pub = ed25519.getPublicKey(seed)
    assert.equal(
      Buffer.from(pub).toString('hex'),
      'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
    )
    const address = deriveAddress(net('Solana'), EDDSA, pub)!
    assert.equal(address, 'FVen3X669xLzsi6N2V91DoiyzHzg1uAgqiT8jZ9nS96Z')
    assert.equal(validateAddress(net('SolanaDevnet'), address, 'to'), address)
    rejects('Solana', '0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf', /base58/)
    rejects('Solana', '3yZe7d', /32 bytes/)
  })

  test('Tron: the documented vector da1463…f0d0 → TPL66VK2gCXNCD7EJg9pgJRfqcRazjhUZY', () => {
    const pub = secp256k1.getPublicKey(
      hex('da146374a75310b9666e834ee4ad0866d6f4035967bfc76217c5a495fff9f0d0'),
      true,
    )
    assert.equal(deriveAddress(net('Tron'), ECDSA, pub), 'TPL66VK2gCXNCD7EJg9pgJRfqcRazjhUZY')
    assert.equal(
      validateAddress(net('TronNile'), 'TPL66VK2gCXNCD7EJg9pgJRfqcRazjhUZY', 'to'),
      'TPL66VK2gCXNCD7EJg9pgJRfqcRazjhUZY',
    )
    rejects('Tron', 'TPL66VK2gCXNCD7EJg9pgJRfqcRazjhUZZ', /checksum/)
  })

  test('Stellar: SEP-23 vector', () => {
    const pub = hex('3f0c34bf93ad0d9971d04ccc90f705511c838aad9734a4a2fb0d7a03fc7fe89a')
    const expected = 'GA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJVSGZ'
    assert.equal(deriveAddress(net('Stellar'), EDDSA, pub), expected)
    assert.equal(validateAddress(net('StellarTestnet'), expected, 'to'), expected)
    rejects('Stellar', 'GA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJVSGA', /checksum/)
  })

  test('Algorand: the all-zero key is the well-known zero address', () => {
    const zero = 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAY5HFKQ'
    assert.equal(deriveAddress(net('Algorand'), EDDSA, new Uint8Array(32)), zero)
    assert.equal(validateAddress(net('Algorand'), zero, 'to'), zero)
    rejects('Algorand', 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAY5HFKA', /checksum/)
  })

  test('XRPL: the genesis account key → rHb9CJAWyB4rj91VRWn96DkukG4bwdtyTh', () => {
    const pub = hex('0330E7FC9D56BB25D6893BA3F317AE5BCF33B3291BD63DB32654A313222F7FD020')
    assert.equal(deriveAddress(net('XrpLedger'), ECDSA, pub), 'rHb9CJAWyB4rj91VRWn96DkukG4bwdtyTh')
    rejects('XrpLedger', 'rHb9CJAWyB4rj91VRWn96DkukG4bwdtyTi', /checksum/)
  })

  test('SS58: the subkey documentation vector on Polkadot (0) and generic Substrate (42)', () => {
    const pub = hex('28340716214bbe2fc67db7eec79ae267cb664fe74395ad9831dafa4d36d21716')
    assert.equal(
      deriveAddress(net('Polkadot'), EDDSA, pub),
      '1uiNWVvE2yH8Mu96fgtLHokmRUGgo6q7DUQnzTAz7QpT5c5',
    )
    assert.equal(
      deriveAddress(net('Westend'), EDDSA, pub),
      '5CyREBErNFhogptd92dtC8ybuoUczVYh2ijvdhTpS2PJGeq7',
    )
    rejects('Polkadot', '5CyREBErNFhogptd92dtC8ybuoUczVYh2ijvdhTpS2PJGeq7', /prefix 0/)
    rejects('Westend', '5CyREBErNFhogptd92dtC8ybuoUczVYh2ijvdhTpS2PJGeq8')
    // Paseo prints prefix 0 and also takes the generic 42 form of the same account.
    assert.ok(validateAddress(net('Paseo'), '5CyREBErNFhogptd92dtC8ybuoUczVYh2ijvdhTpS2PJGeq7', 'to'))
    rejects('Paseo', 'CiYYf8T2JkwMqcaicQ2S8GwpoC16Th4Juv8MQPPbgEMe6dv', /prefix 0 or 42/)
  })

  test('Cosmos: bech32 of HASH160(key); key 1 gives the BIP-173 program w508d6qejxtdg4y5r3zarvary0c5xw7k', () => {
    assert.equal(
      deriveAddress(net('CosmosHub4'), ECDSA, PUB_ONE),
      'cosmos1w508d6qejxtdg4y5r3zarvary0c5xw7k6ah60c',
    )
    assert.match(deriveAddress(net('SeiPacific1'), ECDSA, PUB_ONE)!, /^sei1w508d6qejxtdg4y5r3zarvary0c5xw7k/)
    assert.match(
      deriveAddress(net('BabylonGenesis'), ECDSA, PUB_ONE)!,
      /^bbn1w508d6qejxtdg4y5r3zarvary0c5xw7k/,
    )
    rejects('CosmosHub4', deriveAddress(net('SeiPacific1'), ECDSA, PUB_ONE), /cosmos1/)
    rejects('CosmosHub4', 'cosmos1w508d6qejxtdg4y5r3zarvary0c5xw7k6ah60d', /bech32/)
  })

  test('Aptos, Sui, IOTA, NEAR: hashes computed here with node:crypto / by definition', () => {
    const pub = ed25519.getPublicKey(ed25519.utils.randomSecretKey())
    const aptos = createHash('sha3-256')
      .update(Buffer.concat([pub, Buffer.from([0])]))
      .digest('hex')
    assert.equal(deriveAddress(net('Aptos'), EDDSA, pub), `0x${aptos}`)
    assert.equal(deriveAddress(net('Near'), EDDSA, pub), Buffer.from(pub).toString('hex'))
    assert.equal(deriveAddress(net('Sui'), EDDSA, pub), deriveAddress(net('Iota'), EDDSA, pub))
    assert.match(deriveAddress(net('Sui'), EDDSA, pub)!, /^0x[0-9a-f]{64}$/)
    assert.equal(validateAddress(net('Near'), 'alice.near', 'to'), 'alice.near')
    rejects('Near', 'Alice.near')
    rejects('Aptos', '0x1234', /64 hex/)
  })

  test('Tezos: tz1 for ed25519, tz2 for secp256k1, validated by prefix and checksum', () => {
    const tz2 = deriveAddress(net('Tezos'), ECDSA, PUB_ONE)!
    assert.match(tz2, /^tz2/)
    assert.match(deriveAddress(net('Tezos'), EDDSA, new Uint8Array(32).fill(7))!, /^tz1/)
    assert.equal(validateAddress(net('TezosGhostnet'), tz2, 'to'), tz2)
    rejects('Tezos', `${tz2.slice(0, -1)}${tz2.endsWith('a') ? 'b' : 'a'}`)
  })

  test('TON: validated (user-friendly with CRC, raw form); derivation is not offered', () => {
    const known = 'EQBvW8Z5huBkMJYdnfAEM5JqTNkuWX3diqYENkWsIL0XggGG'
    assert.equal(validateAddress(net('Ton'), known, 'to'), known)
    rejects('Ton', 'EQBvW8Z5huBkMJYdnfAEM5JqTNkuWX3diqYENkWsIL0XggGH', /checksum/)
    assert.ok(validateAddress(net('Ton'), `0:${'ab'.repeat(32)}`, 'to'))
    assert.throws(
      () => deriveAddress(net('Ton'), EDDSA, new Uint8Array(32)),
      (e: unknown) => e instanceof AppError && e.status === 501,
    )
  })

  test('Kaspa: the key itself in a kaspa: CashAddr (vectors from Tangem and rusty-kaspa-derived tests)', () => {
    const ecdsaKey = hex(
      '04586190332C39188029D0DA9B2DBA0605ED3E3FFCEF9C270D64FDCB8C0BA48A601E4FA5CD60AFB067B7C554284BEEE67CEAE6AB0634975E288507BD051904935F',
    )
    const ecdsaAddress = 'kaspa:qyp4scvsxvkrjxyq98gd4xedhgrqtmf78l7wl8p8p4j0mjuvpwjg5cqhy97n472'
    assert.equal(deriveAddress(net('Kaspa'), ECDSA, ecdsaKey), ecdsaAddress)
    const schnorrKey = hex('0221eb0c4270128b16c93c5f0dac48d56051a6237dae997b58912695052818e348')
    const schnorrAddress = 'kaspa:qqs7krzzwqfgk9kf830smtzg64s9rf3r0khfj76cjynf2pfgrr35saatu88xq'
    assert.equal(deriveAddress(net('Kaspa'), SCHNORR, schnorrKey), schnorrAddress)
    assert.equal(validateAddress(net('Kaspa'), schnorrAddress.toUpperCase(), 'to'), schnorrAddress)
    assert.match(deriveAddress(net('KaspaTestnet11'), SCHNORR, schnorrKey)!, /^kaspatest:qq/)
    rejects('Kaspa', 'kaspa:qqs7krzzwqfgk9kf830smtzg64s9rf3r0khfj76cjynf2pfgrr35saatu88xp', /checksum/)
    rejects('KaspaTestnet11', schnorrAddress, /kaspatest/)
  })

  test('requireAddressDerivation: 501 before any key exists for families walletd cannot derive', () => {
    for (const name of ['Ton', 'Cardano', 'Hedera', 'InternetComputer', 'Starknet', 'Canton']) {
      assert.throws(
        () => requireAddressDerivation(net(name)),
        (e: unknown) => e instanceof AppError && e.status === 501 && e.details?.network === name,
      )
    }
    for (const name of ['Ethereum', 'Bitcoin', 'Solana', 'Tron', 'KeyECDSA', 'Kaspa', 'BitcoinCash']) {
      requireAddressDerivation(net(name))
    }
  })

  test('Key* pseudo-networks have no address; a wrong key type is a 400', () => {
    assert.equal(deriveAddress(net('KeyECDSA'), ECDSA, PUB_ONE), undefined)
    assert.equal(deriveAddress(net('KeyEdDSA'), EDDSA, new Uint8Array(32)), undefined)
    rejects('KeyECDSA', '0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf', /without addresses/)
    assert.throws(
      () => deriveAddress(net('Solana'), ECDSA, PUB_ONE),
      (e: unknown) => e instanceof AppError && e.status === 400 && e.details?.network === 'Solana',
    )
  })
})

describe('every network of the registry', () => {
  test('derives an address for each of its key types that its own validator accepts unchanged', () => {
    let checked = 0
    for (const network of networks) {
      if (['none', 'ton', 'unsupported'].includes(network.address.kind)) continue
      for (const keyType of network.keyTypes) {
        const publicKey =
          keyType.curve === 'ed25519'
            ? ed25519.getPublicKey(ed25519.utils.randomSecretKey())
            : secp256k1.getPublicKey(secp256k1.utils.randomSecretKey(), true)
        const address = deriveAddress(network, keyType, publicKey)!
        assert.equal(
          validateAddress(network, address, 'address'),
          address,
          `${network.name} ${keyType.scheme}`,
        )
        checked++
      }
    }
    assert.ok(checked > 100, `only ${checked} network/key-type pairs checked`)
  })

  test("rejects the other families' addresses (a Solana address on every EVM network, and so on)", () => {
    const samples = {
      evm: '0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf',
      solana: 'FVen3X669xLzsi6N2V91DoiyzHzg1uAgqiT8jZ9nS96Z',
      tron: 'TPL66VK2gCXNCD7EJg9pgJRfqcRazjhUZY',
      bitcoin: 'bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu',
      stellar: 'GA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJVSGZ',
      xrpl: 'rHb9CJAWyB4rj91VRWn96DkukG4bwdtyTh',
    }
    for (const network of networks) {
      const own = network.address.kind
      if (['none', 'ton', 'unsupported', 'near'].includes(own)) continue
      for (const [family, address] of Object.entries(samples)) {
        if (family === own || (family === 'bitcoin' && own === 'segwit' && network.name === 'Bitcoin'))
          continue
        assert.throws(
          () => validateAddress(network, address, 'to'),
          (e: unknown) => e instanceof AppError && e.status === 400 && e.details?.network === network.name,
          `${family} address accepted on ${network.name}`,
        )
      }
    }
  })
})
