import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { describe, test } from 'node:test'
import { ed25519 } from '@noble/curves/ed25519.js'
import { schnorr, secp256k1 } from '@noble/curves/secp256k1.js'
import * as btc from '@scure/btc-signer'
import {
  type Hex,
  keccak256,
  parseTransaction,
  recoverAddress,
  recoverMessageAddress,
  recoverTransactionAddress,
  recoverTypedDataAddress,
  serializeTransaction,
} from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { recoverAuthorizationAddress, verifyAuthorization } from 'viem/utils'
import { deriveAddress } from '../../../src/chains/addresses.ts'
import { findNetwork } from '../../../src/chains/networks.ts'
import { networkForKeySignature, produceSignature } from '../../../src/chains/signatures.ts'
import { signerFromPrivateKey } from '../../../src/custody/key-store.ts'
import { AppError } from '../../../src/errors.ts'

const ECDSA = { scheme: 'ECDSA', curve: 'secp256k1' } as const
const SCHNORR = { scheme: 'Schnorr', curve: 'secp256k1' } as const
const EDDSA = { scheme: 'EdDSA', curve: 'ed25519' } as const
const net = (name: string) => findNetwork(name)!
const hex = (h: string) => Uint8Array.from(Buffer.from(h.replace(/^0x/, ''), 'hex'))
const toHex = (b: Uint8Array) => `0x${Buffer.from(b).toString('hex')}` as Hex
const N_HALF = secp256k1.Point.Fn.ORDER / 2n

const evmPriv = secp256k1.utils.randomSecretKey()
const evmSigner = signerFromPrivateKey(ECDSA, evmPriv)
const evmAccount = privateKeyToAccount(toHex(evmPriv))
const edPriv = ed25519.utils.randomSecretKey()
const edSigner = signerFromPrivateKey(EDDSA, edPriv)

async function rejects(promise: Promise<unknown>, field: string, message?: RegExp): Promise<AppError> {
  try {
    await promise
  } catch (err) {
    assert.ok(err instanceof AppError, `expected an AppError, got ${err}`)
    assert.equal(err.status, 400)
    assert.equal(err.details?.field, field)
    if (message) assert.match(err.message, message)
    return err
  }
  assert.fail('expected a 400')
}

describe('EVM signatures, verified with viem', () => {
  const sepolia = net('EthereumSepolia')

  test('Hash: r‖s‖v with v = 27 + recid, low-S, recoverable to the wallet address', async () => {
    const hash = keccak256(toHex(new TextEncoder().encode('walletd')))
    const { signature } = await produceSignature({
      network: sepolia,
      signer: evmSigner,
      body: { kind: 'Hash', hash },
    })
    assert.ok(signature && signature.recid !== undefined)
    assert.equal(hex(signature.encoded).length, 65)
    assert.equal(hex(signature.encoded)[64], 27 + signature.recid)
    assert.ok(BigInt(signature.s) <= N_HALF)
    assert.equal(
      signature.encoded,
      `${signature.r}${signature.s.slice(2)}${(27 + signature.recid).toString(16)}`,
    )
    assert.equal(await recoverAddress({ hash, signature: signature.encoded as Hex }), evmAccount.address)
    const compact = hex(`${signature.r}${signature.s.slice(2)}`)
    assert.ok(secp256k1.verify(compact, hex(hash), evmSigner.publicKey, { prehash: false }))
  })

  for (const kind of ['Message', 'Eip191'] as const) {
    test(`${kind}: personal_sign, recoverMessageAddress finds the wallet`, async () => {
      const message = toHex(new TextEncoder().encode('Sign in to walletd\nnonce: 42'))
      const { signature } = await produceSignature({
        network: sepolia,
        signer: evmSigner,
        body: { kind, message },
      })
      const recovered = await recoverMessageAddress({
        message: { raw: message },
        signature: signature!.encoded as Hex,
      })
      assert.equal(recovered, evmAccount.address)
    })
  }

  test('Eip712: recoverTypedDataAddress finds the wallet (primary type inferred)', async () => {
    const domain = {
      name: 'Ether Mail',
      version: '1',
      chainId: 11155111,
      verifyingContract: '0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC',
    }
    const types = {
      Person: [
        { name: 'name', type: 'string' },
        { name: 'wallet', type: 'address' },
      ],
      Mail: [
        { name: 'from', type: 'Person' },
        { name: 'to', type: 'Person' },
        { name: 'contents', type: 'string' },
      ],
    }
    const message = {
      from: { name: 'Cow', wallet: '0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826' },
      to: { name: 'Bob', wallet: '0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB' },
      contents: 'Hello, Bob!',
    }
    const { signature } = await produceSignature({
      network: sepolia,
      signer: evmSigner,
      body: { kind: 'Eip712', types, domain, message },
    })
    const recovered = await recoverTypedDataAddress({
      domain: domain as never,
      types,
      primaryType: 'Mail',
      message,
      signature: signature!.encoded as Hex,
    })
    assert.equal(recovered, evmAccount.address)
    await rejects(
      produceSignature({
        network: sepolia,
        signer: evmSigner,
        body: { kind: 'Eip712', types: { A: [], B: [] }, domain, message },
      }),
      'types',
      /exactly one primary type/,
    )
    await rejects(
      produceSignature({
        network: sepolia,
        signer: evmSigner,
        body: {
          kind: 'Eip712',
          types,
          domain,
          message: { ...message, from: { name: 'Cow', wallet: 'nope' } },
        },
      }),
      'message',
    )
  })

  test('Eip7702: the authorization recovers to the wallet and verifies', async () => {
    const authorization = {
      address: '0x63c0c19a282a1B52b07dD5a65b58948A07DAE32B' as Hex,
      chainId: 11155111,
      nonce: 7,
    }
    const { signature } = await produceSignature({
      network: sepolia,
      signer: evmSigner,
      body: { kind: 'Eip7702', ...authorization },
    })
    const sig = signature!.encoded as Hex
    assert.equal(await recoverAuthorizationAddress({ authorization, signature: sig }), evmAccount.address)
    assert.ok(await verifyAuthorization({ address: evmAccount.address, authorization, signature: sig }))
    await rejects(
      produceSignature({
        network: sepolia,
        signer: evmSigner,
        body: { kind: 'Eip7702', ...authorization, address: '0x12' },
      }),
      'address',
    )
    await rejects(
      produceSignature({
        network: sepolia,
        signer: evmSigner,
        body: { kind: 'Eip7702', ...authorization, nonce: -1 },
      }),
      'nonce',
    )
  })

  test('Transaction: EIP-1559 and legacy, signedData parses and recovers to the wallet', async () => {
    const base = {
      to: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8' as Hex,
      value: 10n ** 15n,
      nonce: 3,
      gas: 21000n,
    }
    const unsigned = [
      serializeTransaction({
        ...base,
        chainId: 11155111,
        maxFeePerGas: 3n * 10n ** 9n,
        maxPriorityFeePerGas: 10n ** 9n,
      }),
      serializeTransaction({ ...base, chainId: 11155111, gasPrice: 2n * 10n ** 9n }),
    ]
    for (const transaction of unsigned) {
      const result = await produceSignature({
        network: sepolia,
        signer: evmSigner,
        body: { kind: 'Transaction', transaction },
      })
      const signed = result.signedData as Hex
      const parsed = parseTransaction(signed)
      assert.equal(parsed.chainId, 11155111)
      assert.equal(parsed.to?.toLowerCase(), base.to.toLowerCase())
      assert.equal(parsed.value, base.value)
      assert.equal(
        await recoverTransactionAddress({ serializedTransaction: signed as never }),
        evmAccount.address,
      )
      assert.equal(BigInt(parsed.r!), BigInt(result.signature!.r))
    }
    await rejects(
      produceSignature({
        network: net('Base'),
        signer: evmSigner,
        body: { kind: 'Transaction', transaction: unsigned[0] },
      }),
      'transaction',
      /chain id 11155111, but Base is chain id 8453/,
    )
    await rejects(
      produceSignature({
        network: sepolia,
        signer: evmSigner,
        body: { kind: 'Transaction', transaction: '0xdeadbeef' },
      }),
      'transaction',
    )
  })
})

describe('Hash on every scheme, verified with @noble/curves', () => {
  const hash = toHex(createHash('sha256').update('walletd hash').digest())

  test('EdDSA: 64-byte r‖s verifies with ed25519', async () => {
    const { signature } = await produceSignature({
      network: net('KeyEdDSA'),
      signer: edSigner,
      body: { kind: 'Hash', hash },
    })
    assert.equal(signature!.recid, undefined)
    assert.equal(hex(signature!.encoded).length, 64)
    assert.ok(ed25519.verify(hex(signature!.encoded), hex(hash), ed25519.getPublicKey(edPriv)))
  })

  test('ECDSA on KeyECDSA: DER encoded, verifies with secp256k1', async () => {
    const { signature } = await produceSignature({
      network: net('KeyECDSA'),
      signer: evmSigner,
      body: { kind: 'Hash', hash },
    })
    assert.equal(hex(signature!.encoded)[0], 0x30)
    assert.ok(
      secp256k1.verify(hex(signature!.encoded), hex(hash), evmSigner.publicKey, {
        prehash: false,
        format: 'der',
      }),
    )
  })

  test('XRPL: DER; Cosmos: r‖s', async () => {
    const xrpl = await produceSignature({
      network: net('XrpLedger'),
      signer: evmSigner,
      body: { kind: 'Hash', hash },
    })
    assert.match(xrpl.signature!.encoded, /^0x30(44|45|43)/)
    const cosmos = await produceSignature({
      network: net('CosmosHub4'),
      signer: evmSigner,
      body: { kind: 'Hash', hash },
    })
    assert.equal(hex(cosmos.signature!.encoded).length, 64)
  })

  test('Schnorr: "" = BIP-86 tweak (the P2TR output key btc-signer derives); a root tweaks with it', async () => {
    const priv = secp256k1.utils.randomSecretKey()
    const signer = signerFromPrivateKey(SCHNORR, priv)
    const xOnly = signer.publicKey.subarray(1)
    const { signature } = await produceSignature({
      network: net('Bitcoin'),
      signer,
      body: { kind: 'Hash', hash, taprootMerkleRoot: '' },
    })
    assert.ok(schnorr.verify(hex(signature!.encoded), hex(hash), btc.p2tr(xOnly).tweakedPubkey))
    assert.ok(!schnorr.verify(hex(signature!.encoded), hex(hash), xOnly))

    // With a script tree: btc-signer builds the output key of a one-leaf tree; walletd is given its root.
    const leafScript = btc.p2tr_pk(schnorr.getPublicKey(secp256k1.utils.randomSecretKey())).script
    const leafHash = schnorr.utils.taggedHash('TapLeaf', Uint8Array.of(0xc0, leafScript.length), leafScript)
    const withTree = btc.p2tr(xOnly, { script: leafScript })
    const tree = await produceSignature({
      network: net('Bitcoin'),
      signer,
      body: { kind: 'Hash', hash, taprootMerkleRoot: toHex(leafHash) },
    })
    assert.ok(schnorr.verify(hex(tree.signature!.encoded), hex(hash), withTree.tweakedPubkey))

    await rejects(
      produceSignature({ network: net('Bitcoin'), signer, body: { kind: 'Hash', hash } }),
      'taprootMerkleRoot',
    )
    await rejects(
      produceSignature({
        network: net('Bitcoin'),
        signer,
        body: { kind: 'Hash', hash, taprootMerkleRoot: '0x1234' },
      }),
      'taprootMerkleRoot',
    )
  })

  test('Schnorr on Kaspa: no root = the untweaked key the kaspa: address carries', async () => {
    const priv = secp256k1.utils.randomSecretKey()
    const signer = signerFromPrivateKey(SCHNORR, priv)
    const { signature } = await produceSignature({
      network: net('Kaspa'),
      signer,
      body: { kind: 'Hash', hash },
    })
    assert.ok(schnorr.verify(hex(signature!.encoded), hex(hash), schnorr.getPublicKey(priv)))
  })

  test('bad inputs are 400s naming the field', async () => {
    const eth = net('Ethereum')
    await rejects(
      produceSignature({ network: eth, signer: evmSigner, body: { kind: 'Hash', hash: '0xzz' } }),
      'hash',
      /hex/,
    )
    await rejects(
      produceSignature({ network: eth, signer: evmSigner, body: { kind: 'Hash', hash: '0x1234' } }),
      'hash',
      /exactly 32 bytes, got 2/,
    )
    await rejects(produceSignature({ network: eth, signer: evmSigner, body: { kind: 'Hash' } }), 'hash')
    await rejects(
      produceSignature({
        network: eth,
        signer: evmSigner,
        body: { kind: 'Message', message: `0x${'ab'.repeat(64 * 1024 + 1)}` },
      }),
      'message',
      /at most 65536 bytes/,
    )
    await rejects(
      produceSignature({ network: eth, signer: evmSigner, body: { kind: 'Message', message: '0x' } }),
      'message',
    )
    const wrongKind = await rejects(
      produceSignature({
        network: net('Solana'),
        signer: edSigner,
        body: { kind: 'Eip712', types: {}, message: {} },
      }),
      'kind',
      /Eip712 signatures are not supported on network Solana/,
    )
    assert.equal(wrongKind.details?.network, 'Solana')
    await rejects(
      produceSignature({
        network: net('KeyECDSA'),
        signer: evmSigner,
        body: { kind: 'Message', message: '0x01' },
      }),
      'kind',
    )
    await rejects(
      produceSignature({ network: net('Solana'), signer: evmSigner, body: { kind: 'Hash', hash } }),
      'signingKey',
    )
  })
})

/** A legacy Solana message: header, account keys, recent blockhash, one instruction. */
function solanaMessage(signers: Uint8Array[], program: Uint8Array): Uint8Array {
  const keys = [...signers, program]
  return Uint8Array.from([
    signers.length,
    0,
    1,
    keys.length,
    ...keys.flatMap((k) => [...k]),
    ...new Uint8Array(32).fill(9),
    1,
    keys.length - 1,
    signers.length,
    ...signers.map((_, i) => i),
    2,
    0xaa,
    0xbb,
  ])
}

describe('Solana transactions, verified with ed25519', () => {
  const ours = ed25519.getPublicKey(edPriv)
  const otherPriv = ed25519.utils.randomSecretKey()
  const other = ed25519.getPublicKey(otherPriv)
  const program = new Uint8Array(32).fill(1)

  test('a bare message → signature over the message, signed transaction with our slot filled', async () => {
    const message = solanaMessage([ours], program)
    const result = await produceSignature({
      network: net('SolanaDevnet'),
      signer: edSigner,
      body: { kind: 'Transaction', transaction: toHex(message) },
    })
    assert.ok(ed25519.verify(hex(result.signature!.encoded), message, ours))
    const signed = hex(result.signedData!)
    assert.equal(signed[0], 1)
    assert.deepEqual(signed.subarray(1, 65), hex(result.signature!.encoded))
    assert.deepEqual(signed.subarray(65), message)
  })

  test('a partly signed transaction keeps the other signature and fills ours (second slot)', async () => {
    const message = solanaMessage([other, ours], program)
    const otherSig = ed25519.sign(message, otherPriv)
    const tx = Uint8Array.from([2, ...otherSig, ...new Uint8Array(64), ...message])
    const result = await produceSignature({
      network: net('Solana'),
      signer: edSigner,
      body: { kind: 'Transaction', transaction: toHex(tx) },
    })
    const signed = hex(result.signedData!)
    assert.deepEqual(signed.subarray(1, 65), otherSig)
    assert.ok(ed25519.verify(signed.subarray(65, 129), message, ours))
    assert.ok(ed25519.verify(signed.subarray(1, 65), message, other))
  })

  test('a v0 message, a message without our key, and garbage', async () => {
    const v0 = Uint8Array.from([0x80, ...solanaMessage([ours], program), 0])
    const result = await produceSignature({
      network: net('Solana'),
      signer: edSigner,
      body: { kind: 'Transaction', transaction: toHex(v0) },
    })
    assert.ok(ed25519.verify(hex(result.signature!.encoded), v0, ours))
    await rejects(
      produceSignature({
        network: net('Solana'),
        signer: edSigner,
        body: { kind: 'Transaction', transaction: toHex(solanaMessage([other], program)) },
      }),
      'transaction',
      /required signer/,
    )
    await rejects(
      produceSignature({
        network: net('Solana'),
        signer: edSigner,
        body: { kind: 'Transaction', transaction: '0x0102' },
      }),
      'transaction',
    )
  })

  test('Message on an EdDSA chain signs the raw bytes', async () => {
    const message = toHex(new TextEncoder().encode('hello aptos'))
    for (const name of ['Solana', 'Aptos', 'Sui', 'Stellar', 'KeyEdDSA']) {
      const { signature } = await produceSignature({
        network: net(name),
        signer: edSigner,
        body: { kind: 'Message', message },
      })
      assert.ok(ed25519.verify(hex(signature!.encoded), hex(message), ours), name)
    }
  })
})

describe('Tron and Cosmos transactions', () => {
  test('Tron: ECDSA over SHA-256(raw_data) recovering to the wallet address; signed protobuf', async () => {
    const rawData = hex(
      '0a025c1b2208a3e5c5f0b1a2c3d440e8c0e6b8f8305a67080112630a2d747970652e676f6f676c65617069732e636f6d2f70726f746f636f6c2e5472616e73666572436f6e747261637412320a15418840e6c55b9ada326d211d818c34a994aeced808121541d3136787e667d1e055d2cd5db4b5f6c880563049180a',
    )
    const result = await produceSignature({
      network: net('TronNile'),
      signer: evmSigner,
      body: { kind: 'Transaction', transaction: toHex(rawData) },
    })
    const sig = hex(result.signature!.encoded)
    assert.equal(sig.length, 65)
    const digest = createHash('sha256').update(rawData).digest()
    const recovered = secp256k1.Signature.fromBytes(sig.subarray(0, 64), 'compact')
      .addRecoveryBit(sig[64]! - 27)
      .recoverPublicKey(digest)
      .toBytes(true)
    assert.equal(
      deriveAddress(net('Tron'), ECDSA, recovered),
      deriveAddress(net('Tron'), ECDSA, evmSigner.publicKey),
    )
    const signed = hex(result.signedData!)
    assert.equal(signed[0], 0x0a)
    assert.deepEqual(signed.subarray(signed.length - 65), sig)
  })

  test('Cosmos SignDocDirect: secp256k1 over SHA-256(signDoc); TxRaw carries body, auth info, signature', async () => {
    const body = Uint8Array.of(1, 2, 3)
    const authInfo = Uint8Array.of(4, 5)
    const chainId = new TextEncoder().encode('cosmoshub-4')
    const signDoc = Uint8Array.from([
      0x0a,
      3,
      ...body,
      0x12,
      2,
      ...authInfo,
      0x1a,
      chainId.length,
      ...chainId,
      0x20,
      7,
    ])
    const result = await produceSignature({
      network: net('CosmosHub4'),
      signer: evmSigner,
      body: { kind: 'SignDocDirect', signDoc: toHex(signDoc) },
    })
    const sig = hex(result.signature!.encoded)
    assert.ok(
      secp256k1.verify(sig, createHash('sha256').update(signDoc).digest(), evmSigner.publicKey, {
        prehash: false,
      }),
    )
    assert.deepEqual(
      hex(result.signedData!),
      Uint8Array.from([0x0a, 3, ...body, 0x12, 2, ...authInfo, 0x1a, 64, ...sig]),
    )
  })
})

describe('the key route picks a formatting network', () => {
  test('a key signing an EVM transaction with only blockchainKind: any chain id is accepted', async () => {
    const network = networkForKeySignature(ECDSA, { blockchainKind: 'Evm' })
    const transaction = serializeTransaction({
      chainId: 84532,
      nonce: 0,
      gas: 21000n,
      gasPrice: 1n,
      to: evmAccount.address,
    })
    const result = await produceSignature({
      network,
      signer: evmSigner,
      body: { kind: 'Transaction', transaction },
    })
    assert.equal(parseTransaction(result.signedData as Hex).chainId, 84532)
    assert.equal(
      await recoverTransactionAddress({ serializedTransaction: result.signedData as never }),
      evmAccount.address,
    )
  })

  test('network, blockchainKind, or the pseudo-network of the key type', () => {
    assert.equal(networkForKeySignature(ECDSA, {}).name, 'KeyECDSA')
    assert.equal(networkForKeySignature(EDDSA, {}).name, 'KeyEdDSA')
    assert.equal(networkForKeySignature(SCHNORR, {}).name, 'Bitcoin')
    assert.equal(networkForKeySignature(ECDSA, { blockchainKind: 'Evm' }).name, 'Ethereum')
    // Family-only hint: no chain id to enforce.
    assert.equal(networkForKeySignature(ECDSA, { blockchainKind: 'Evm' }).chainId, undefined)
    assert.equal(networkForKeySignature(ECDSA, { network: 'Base' }).chainId, 8453)
    assert.equal(networkForKeySignature(EDDSA, { blockchainKind: 'Tezos' }).name, 'Tezos')
    assert.equal(networkForKeySignature(ECDSA, { network: 'Base' }).name, 'Base')
    assert.throws(
      () => networkForKeySignature(EDDSA, { network: 'Base' }),
      (e: unknown) => e instanceof AppError && e.status === 400,
    )
    assert.throws(
      () => networkForKeySignature(EDDSA, { blockchainKind: 'Evm' }),
      (e: unknown) => e instanceof AppError && e.details?.field === 'blockchainKind',
    )
  })
})
