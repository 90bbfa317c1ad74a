import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { DfnsWallet } from '@dfns/lib-viem'
import {
  createPublicClient,
  createWalletClient,
  http,
  parseEther,
  recoverMessageAddress,
  recoverTypedDataAddress,
} from 'viem'
import { toAccount } from 'viem/accounts'
import { sepolia } from 'viem/chains'
import { testDialect } from '../../helpers/database.ts'
import { type ChainFixture, chainFixture, newAddress } from './chain-fixture.ts'

/**
 * `@dfns/lib-viem`, the viem integration integrators bring, against walletd: its account signs
 * through walletd's signature routes, and a viem wallet client sends what it signed to the chain.
 */
describe(`@dfns/lib-viem's account against walletd (${testDialect})`, () => {
  let f: ChainFixture
  before(async () => {
    f = await chainFixture()
  })
  after(() => f?.close())

  it('signs a transaction that a viem wallet client sends to the chain, and messages and typed data', async () => {
    const wallet = await f.fundedWallet()
    const dfnsWallet = await DfnsWallet.init({ walletId: wallet.id, dfnsClient: f.w.root as never })
    assert.equal(dfnsWallet.address.toLowerCase(), wallet.address!.toLowerCase())
    const account = toAccount(dfnsWallet as never)
    const transport = http(f.anvil.rpcUrl)
    const walletClient = createWalletClient({ account, chain: sepolia, transport })
    const publicClient = createPublicClient({ chain: sepolia, transport })

    const to = newAddress()
    const hash = await walletClient.sendTransaction({ to, value: parseEther('0.001') })
    const receipt = await publicClient.waitForTransactionReceipt({ hash })
    assert.equal(receipt.status, 'success')
    assert.equal(receipt.from.toLowerCase(), wallet.address!.toLowerCase())
    assert.equal(await publicClient.getBalance({ address: to }), parseEther('0.001'))

    const message = 'walletd signs for lib-viem'
    const signature = await walletClient.signMessage({ message })
    assert.equal(
      (await recoverMessageAddress({ message, signature })).toLowerCase(),
      wallet.address!.toLowerCase(),
    )

    const typed = {
      domain: { name: 'walletd', version: '1', chainId: sepolia.id },
      types: { Greeting: [{ name: 'text', type: 'string' }] },
      primaryType: 'Greeting',
      message: { text: 'hello' },
    } as const
    const typedSignature = await walletClient.signTypedData(typed)
    const signer = await recoverTypedDataAddress({ ...typed, signature: typedSignature })
    assert.equal(signer.toLowerCase(), wallet.address!.toLowerCase())
  })
})
