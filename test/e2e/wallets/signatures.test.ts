import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import type { DfnsError } from '@dfns/sdk'
import { ed25519 } from '@noble/curves/ed25519.js'
import { schnorr, secp256k1 } from '@noble/curves/secp256k1.js'
import { sha256 } from '@noble/hashes/sha2.js'
import * as btc from '@scure/btc-signer'
import {
  type Hex,
  keccak256,
  parseTransaction,
  recoverMessageAddress,
  recoverTransactionAddress,
  recoverTypedDataAddress,
  serializeTransaction,
  toHex,
} from 'viem'
import { recoverAuthorizationAddress } from 'viem/utils'
import { testDialect } from '../../helpers/database.ts'
import { failsWith } from '../../helpers/fails-with.ts'
import { startWalletd, type Walletd } from '../../helpers/sdk.ts'

const bytes = (hex: string) => Uint8Array.from(Buffer.from(hex.replace(/^0x/, ''), 'hex'))
const SEPOLIA = 11155111

type Wallet = Awaited<ReturnType<Walletd['root']['wallets']['createWallet']>>

/** Signatures through the SDK, each verified by an independent library against the wallet's key. */
describe(`signature requests (${testDialect})`, () => {
  let w: Walletd
  let evm: Wallet
  before(async () => {
    w = await startWalletd()
    evm = await w.root.wallets.createWallet({ body: { network: 'EthereumSepolia' } })
  })
  after(() => w.close())

  const sign = (
    wallet: Wallet,
    body: Parameters<Walletd['root']['wallets']['generateSignature']>[0]['body'],
  ) => w.root.wallets.generateSignature({ walletId: wallet.id, body })

  it('Message and Eip191 recover to the wallet address with viem', async () => {
    const message = toHex('walletd says hello')
    for (const kind of ['Message', 'Eip191'] as const) {
      const request = await sign(evm, { kind, message })
      assert.equal(request.status, 'Signed')
      assert.match(request.id, /^sig-/)
      assert.equal(request.walletId, evm.id)
      assert.equal(request.keyId, evm.signingKey.id)
      assert.equal(request.network, 'EthereumSepolia')
      assert.deepEqual(request.requestBody, { kind, message })
      assert.equal(request.requester.userId, w.bootstrap.serviceAccount.userId)
      assert.ok(request.dateSigned && request.dateRequested)
      const signature = request.signature!
      assert.equal(signature.encoded!.length, 2 + 65 * 2)
      assert.ok(signature.recid === 0 || signature.recid === 1)
      assert.equal(
        await recoverMessageAddress({ message: { raw: message }, signature: signature.encoded as Hex }),
        evm.address,
      )
    }
  })

  it('Eip712 recovers with recoverTypedDataAddress', async () => {
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
    const domain = {
      name: 'Ether Mail',
      version: '1',
      chainId: SEPOLIA,
      verifyingContract: '0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC',
    }
    const message = {
      from: { name: 'Cow', wallet: '0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826' },
      to: { name: 'Bob', wallet: '0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB' },
      contents: 'Hello, Bob!',
    }
    const request = await sign(evm, { kind: 'Eip712', types, domain, message })
    const recovered = await recoverTypedDataAddress({
      domain: domain as never,
      types,
      primaryType: 'Mail',
      message,
      signature: request.signature!.encoded as Hex,
    })
    assert.equal(recovered, evm.address)
  })

  it('EIP-1559 and legacy transactions: viem parses signedData and recovers the wallet address', async () => {
    const to = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'
    const eip1559 = serializeTransaction({
      chainId: SEPOLIA,
      type: 'eip1559',
      to,
      value: 12345n,
      nonce: 7,
      gas: 21000n,
      maxFeePerGas: 30_000_000_000n,
      maxPriorityFeePerGas: 1_000_000_000n,
    })
    const legacy = serializeTransaction({
      chainId: SEPOLIA,
      type: 'legacy',
      to,
      value: 1n,
      nonce: 8,
      gas: 21000n,
      gasPrice: 10n,
    })
    for (const transaction of [eip1559, legacy]) {
      const request = await sign(evm, { kind: 'Transaction', transaction })
      const signed = request.signedData as Hex
      const parsed = parseTransaction(signed)
      assert.equal(parsed.to?.toLowerCase(), to.toLowerCase())
      assert.equal(parsed.chainId, SEPOLIA)
      assert.equal(await recoverTransactionAddress({ serializedTransaction: signed as never }), evm.address)
    }
    // A transaction for another chain is refused, naming the field.
    const mainnet = serializeTransaction({
      chainId: 1,
      type: 'eip1559',
      to,
      value: 1n,
      nonce: 0,
      gas: 21000n,
      maxFeePerGas: 1n,
    })
    await assert.rejects(
      sign(evm, { kind: 'Transaction', transaction: mainnet }),
      failsWith(400, 'transaction'),
    )
  })

  it('Eip7702 authorization recovers with recoverAuthorizationAddress', async () => {
    const address = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'
    const request = await sign(evm, { kind: 'Eip7702', address, nonce: 3, chainId: SEPOLIA })
    const signature = request.signature!
    const recovered = await recoverAuthorizationAddress({
      authorization: { address, chainId: SEPOLIA, nonce: 3 },
      signature: signature.encoded as Hex,
    })
    assert.equal(recovered, evm.address)
  })

  it('Hash verifies with @noble/curves and recid recovers the key', async () => {
    const hash = keccak256(toHex('a 32-byte digest'))
    const request = await sign(evm, { kind: 'Hash', hash })
    const { r, s, recid } = request.signature!
    const compact = Uint8Array.from([...bytes(r), ...bytes(s)])
    const publicKey = bytes(evm.signingKey.publicKey)
    assert.ok(secp256k1.verify(compact, bytes(hash), publicKey, { prehash: false }))
    const recovered = secp256k1.Signature.fromBytes(compact, 'compact')
      .addRecoveryBit(recid!)
      .recoverPublicKey(bytes(hash))
    assert.equal(recovered.toHex(true), evm.signingKey.publicKey)
  })

  it('Solana: Message and Transaction signatures verify with @noble/curves ed25519', async () => {
    const solana = await w.root.wallets.createWallet({ body: { network: 'SolanaDevnet' } })
    const publicKey = bytes(solana.signingKey.publicKey)
    const message = toHex('solana message')
    const signedMessage = await sign(solana, { kind: 'Message', message })
    const sig = signedMessage.signature!
    assert.equal(sig.recid, undefined)
    assert.ok(ed25519.verify(bytes(sig.encoded!), bytes(message), publicKey))

    // A legacy transfer-shaped message: header, [payer, system program], blockhash, one instruction.
    const solanaMessage = Uint8Array.from([
      1,
      0,
      1,
      2,
      ...publicKey,
      ...new Uint8Array(32),
      ...randomBytes(32),
      1,
      1,
      1,
      0,
      0,
    ])
    const unsigned = Uint8Array.from([1, ...new Uint8Array(64), ...solanaMessage])
    const signedTx = await sign(solana, { kind: 'Transaction', transaction: toHex(unsigned) })
    const signedData = bytes(signedTx.signedData!)
    const slot = signedData.subarray(1, 65)
    assert.ok(ed25519.verify(slot, solanaMessage, publicKey))
    assert.deepEqual(signedData.subarray(65), solanaMessage)
  })

  it('Bitcoin PSBT: btc-signer finalizes and extracts the signed transaction', async () => {
    const wallet = await w.root.wallets.createWallet({ body: { network: 'BitcoinTestnet3' } })
    const publicKey = bytes(wallet.signingKey.publicKey)
    const ours = btc.p2wpkh(publicKey, btc.TEST_NETWORK)
    assert.equal(ours.address, wallet.address)
    const tx = new btc.Transaction()
    tx.addInput({ txid: randomBytes(32), index: 0, witnessUtxo: { script: ours.script, amount: 50_000n } })
    tx.addOutputAddress(ours.address!, 49_000n, btc.TEST_NETWORK)
    const request = await sign(wallet, { kind: 'Psbt', psbt: toHex(tx.toPSBT()) })
    const signed = btc.Transaction.fromPSBT(bytes(request.signedData!))
    signed.finalize()
    const raw = signed.extract()
    assert.ok(raw.length > 0)
    // The witness signature verifies over btc-signer's own BIP-143 sighash.
    const [sigWithHashType, witnessKey] = btc.Transaction.fromRaw(raw).getInput(0).finalScriptWitness!
    assert.deepEqual(witnessKey, publicKey)
    const digest = signed.preimageWitnessV0(0, btc.p2pkh(publicKey).script, btc.SigHash.ALL, 50_000n)
    assert.ok(
      secp256k1.verify(sigWithHashType!.subarray(0, -1), digest, publicKey, {
        prehash: false,
        format: 'der',
      }),
    )
  })

  it('Taproot Hash with the BIP-86 tweak verifies with schnorr against the output key', async () => {
    const wallet = await w.root.wallets.createWallet({
      body: { network: 'Bitcoin', signingKey: { scheme: 'Schnorr', curve: 'secp256k1' } },
    })
    const hash = toHex(sha256(new TextEncoder().encode('taproot')))
    const request = await sign(wallet, { kind: 'Hash', hash, taprootMerkleRoot: '' })
    const outputKey = btc.p2tr(bytes(wallet.signingKey.publicKey).subarray(1)).tweakedPubkey
    assert.ok(schnorr.verify(bytes(request.signature!.encoded!), bytes(hash), outputKey))
  })

  it('lists and gets signatures on the wallet route with keyId, and on the key route', async () => {
    const wallet = await w.root.wallets.createWallet({ body: { network: 'Base' } })
    const a = await sign(wallet, { kind: 'Hash', hash: keccak256('0x01') })
    w.clock.advance(1)
    const b = await sign(wallet, { kind: 'Hash', hash: keccak256('0x02') })
    const list = await w.root.wallets.listSignatures({ walletId: wallet.id })
    assert.equal(list.keyId, wallet.signingKey.id)
    assert.deepEqual(
      list.items.map((x) => x.id),
      [b.id, a.id],
    )
    assert.deepEqual(await w.root.wallets.getSignature({ walletId: wallet.id, signatureId: a.id }), a)
    const page = await w.root.wallets.listSignatures({ walletId: wallet.id, query: { limit: 1 } })
    assert.deepEqual(
      page.items.map((x) => x.id),
      [b.id],
    )
    assert.ok(page.nextPageToken)
    const byKey = await w.root.keys.listSignatures({ keyId: wallet.signingKey.id })
    assert.equal(byKey.keyId, wallet.signingKey.id)
    assert.deepEqual(
      byKey.items.map((x) => x.id),
      [b.id, a.id],
    )
    // Another wallet's signature is not found under this wallet.
    const other = await sign(evm, { kind: 'Hash', hash: keccak256('0x03') })
    await assert.rejects(
      w.root.wallets.getSignature({ walletId: wallet.id, signatureId: other.id }),
      failsWith(404),
    )
  })

  it('signs on the key route, formatting for the network named in the body', async () => {
    const key = await w.root.keys.createKey({ body: { scheme: 'ECDSA', curve: 'secp256k1', name: 'raw' } })
    assert.match(key.publicKey, /^0[23][0-9a-f]{64}$/)
    const hash = keccak256('0xabcdef')
    const evmStyle = await w.root.keys.generateSignature({
      keyId: key.id,
      body: { kind: 'Hash', hash, network: 'Ethereum' },
    })
    assert.equal(evmStyle.network, 'Ethereum')
    assert.equal(evmStyle.keyId, key.id)
    assert.equal(evmStyle.signature!.encoded!.length, 132, 'r‖s‖v on EVM')
    const bare = await w.root.keys.generateSignature({ keyId: key.id, body: { kind: 'Hash', hash } })
    assert.equal(bare.network, 'KeyECDSA')
    assert.match(bare.signature!.encoded!, /^0x30/, 'DER for KeyECDSA')
    const compact = Uint8Array.from([...bytes(bare.signature!.r), ...bytes(bare.signature!.s)])
    assert.ok(secp256k1.verify(compact, bytes(hash), bytes(key.publicKey), { prehash: false }))
    const got = await w.root.keys.getSignature({ keyId: key.id, signatureId: bare.id })
    assert.deepEqual(got, bare)
  })

  describe('bad inputs are 400s naming the field', () => {
    it('malformed hex, wrong hash length, unknown kind', async () => {
      await assert.rejects(sign(evm, { kind: 'Hash', hash: '0xzz' }), failsWith(400, 'hash'))
      await assert.rejects(sign(evm, { kind: 'Hash', hash: '0xabcd' }), failsWith(400, 'hash'))
      await assert.rejects(sign(evm, { kind: 'Message', message: 'not hex' }), failsWith(400, 'message'))
      await assert.rejects(sign(evm, { kind: 'Psbt', psbt: '0x00' }), failsWith(400, 'kind'))
    })

    it('a Solana address on an EVM network', async () => {
      const solanaAddress = '4Nd1mBQtrMJVYVfKf2PJy9NZUZdTAsp7D4xWLs4gDB4T'
      await assert.rejects(
        sign(evm, { kind: 'Eip7702', address: solanaAddress, nonce: 0, chainId: SEPOLIA }),
        failsWith(400, 'address'),
      )
    })

    it('an unknown network, and a network other than the wallet\u2019s', async () => {
      const key = await w.root.keys.createKey({ body: { scheme: 'ECDSA', curve: 'secp256k1' } })
      await assert.rejects(
        w.root.keys.generateSignature({
          keyId: key.id,
          body: { kind: 'Hash', hash: keccak256('0x01'), network: 'Atlantis' as never },
        }),
        failsWith(400, 'network'),
      )
      await assert.rejects(
        sign(evm, { kind: 'Hash', hash: keccak256('0x01'), network: 'Solana' }),
        failsWith(400, 'network'),
      )
    })

    it('an oversized message', async () => {
      // 64 KiB is the bound of src/chains; the schema refuses longer hex before parsing it.
      const message = `0x${'ab'.repeat(64 * 1024 + 1)}`
      await assert.rejects(sign(evm, { kind: 'Message', message }), failsWith(400, 'message'))
      const atLimit = await sign(evm, { kind: 'Message', message: `0x${'ab'.repeat(64 * 1024)}` })
      assert.equal(atLimit.status, 'Signed')
    })

    it('a PSBT is checked input by input before any is signed: a bad second input is a 400 naming it, nothing stored', async () => {
      const wallet = await w.root.wallets.createWallet({
        body: { network: 'Bitcoin', signingKey: { scheme: 'Schnorr', curve: 'secp256k1' } },
      })
      const ours = btc.p2tr(bytes(wallet.signingKey.publicKey).subarray(1))
      const psbtWith = (sighashType: number) => {
        const tx = new btc.Transaction()
        tx.addInput({
          txid: randomBytes(32),
          index: 0,
          witnessUtxo: { script: ours.script, amount: 80_000n },
        })
        tx.addInput({
          txid: randomBytes(32),
          index: 1,
          witnessUtxo: { script: ours.script, amount: 20_000n },
          sighashType,
        })
        tx.addOutputAddress(ours.address!, 99_000n)
        return toHex(tx.toPSBT())
      }
      // SIGHASH_SINGLE (and its ANYONECANPAY form) on input 1 with only output 0; an undefined type.
      for (const sighashType of [btc.SigHash.SINGLE, btc.SigHash.SINGLE_ANYONECANPAY, 0x55]) {
        await assert.rejects(
          sign(wallet, { kind: 'Psbt', psbt: psbtWith(sighashType) }),
          (err: DfnsError) => {
            failsWith(400, 'psbt')(err)
            const body = (err.context as { body: { error: { message: string; details: { input: number } } } })
              .body
            assert.equal(body.error.details.input, 1)
            assert.match(body.error.message, /input 1 /)
            return true
          },
        )
      }
      assert.deepEqual((await w.root.wallets.listSignatures({ walletId: wallet.id })).items, [])
      // The same PSBT with SIGHASH_ALL on input 1 signs both inputs.
      const signed = await sign(wallet, { kind: 'Psbt', psbt: psbtWith(btc.SigHash.ALL) })
      assert.equal(signed.status, 'Signed')
      assert.equal(signed.signatures?.length, 2)
    })

    it('stores nothing for a refused request', async () => {
      const wallet = await w.root.wallets.createWallet({ body: { network: 'Base' } })
      await assert.rejects(sign(wallet, { kind: 'Hash', hash: '0x12' }), failsWith(400))
      assert.deepEqual((await w.root.wallets.listSignatures({ walletId: wallet.id })).items, [])
    })
  })

  describe('wallet and key state', () => {
    it('an Inactive wallet (a network with on-chain activation) is a 422', async () => {
      const hedera = await w.root.wallets.createWallet({ body: { network: 'HederaTestnet' } })
      assert.equal(hedera.status, 'Inactive')
      assert.equal('address' in hedera, false)
      await assert.rejects(sign(hedera, { kind: 'Message', message: '0x01' }), failsWith(422))
    })

    it('a deleted key: Archived with dateDeleted, its wallets archived, its signatures 410 on both routes', async () => {
      const wallet = await w.root.wallets.createWallet({ body: { network: 'Base' } })
      const keyId = wallet.signingKey.id
      w.clock.advance(1000)
      const deleted = await w.root.keys.deleteKey({ keyId })
      assert.equal(deleted.status, 'Archived')
      assert.equal(deleted.dateDeleted, w.clock.now().toISOString())
      const after = await w.root.wallets.getWallet({ walletId: wallet.id })
      assert.equal(after.status, 'Archived')
      assert.equal(after.dateDeleted, deleted.dateDeleted)
      const hash = keccak256('0x01')
      await assert.rejects(sign(wallet, { kind: 'Hash', hash }), failsWith(410))
      await assert.rejects(
        w.root.keys.generateSignature({ keyId, body: { kind: 'Hash', hash } }),
        failsWith(410),
      )
      await assert.rejects(w.root.keys.deleteKey({ keyId }), failsWith(410))
    })
  })
})
