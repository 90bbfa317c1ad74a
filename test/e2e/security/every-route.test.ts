import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { startAnvil } from '../../../src/chains/dev-chain/anvil.ts'
import { routeTable } from '../../../src/http/route-table.ts'
import { testDialect } from '../../helpers/database.ts'
import { startWalletd } from '../../helpers/sdk.ts'
import { fixtureChain } from './fixtures.ts'
import { prepareSecurityContext, routeSecurityTests, servedRoutes } from './route-security.ts'

// The app is started before the tests are declared: which routes exist decides which tests exist.
// A real chain too, since the transfer fixtures move real (dev) value.
const anvil = await startAnvil({ chainId: 11155111 })
fixtureChain.rpcUrl = anvil.rpcUrl
const w = await startWalletd({ config: { rpcUrls: `EthereumSepolia=${anvil.rpcUrl}`, devChain: 'false' } })
const ctx = await prepareSecurityContext(w)

describe(`every served route of the route table is guarded (${testDialect})`, () => {
  after(async () => {
    await w.close()
    await anvil.stop()
  })

  it('walks every row the table says is served (the walk misses none)', () => {
    const served = new Set(servedRoutes(w).map((r) => r.key))
    const rows = Object.entries(routeTable).filter(([, rule]) => !rule.notServed)
    assert.deepEqual(
      rows.map(([key]) => key).filter((key) => !served.has(key)),
      [],
    )
    assert.ok(served.has('POST /permissions') && served.has('POST /wallets/:walletId/signatures'))
  })

  routeSecurityTests(ctx)
})
