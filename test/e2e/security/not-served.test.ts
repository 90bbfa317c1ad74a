import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { AsymmetricKeySigner } from '@dfns/sdk-keysigner'
import { routeTable } from '../../../src/http/route-table.ts'
import { testDialect } from '../../helpers/database.ts'
import { failsWith } from '../../helpers/fails-with.ts'
import {
  assertErrorBody,
  obtainUserAction,
  rawRequest,
  startWalletd,
  type Walletd,
} from '../../helpers/sdk.ts'

/**
 * A route of the SDK walletd does not serve answers 501 naming its domain, through the SDK itself,
 * and before anything else: no token is needed to learn it, and a user action signed for it is
 * left unused (the SDK user did not get a 404 after spending one).
 */
describe(`routes walletd does not serve (${testDialect})`, () => {
  let w: Walletd
  before(async () => {
    w = await startWalletd()
  })
  after(() => w.close())

  const usedAt = async (userAction: string) => {
    const hash = createHash('sha256').update(userAction, 'utf8').digest('hex')
    const row = await w.database.db
      .selectFrom('user_actions')
      .select('used_at')
      .where('token_hash', '=', hash)
      .executeTakeFirstOrThrow()
    return row.used_at
  }

  it('the SDK gets 501 naming the domain, not 404 (fee sponsors, exchanges, swaps)', async () => {
    const refusals: [() => Promise<unknown>, string][] = [
      [() => w.root.feeSponsors.listFeeSponsors(), 'fee sponsors'],
      [() => w.root.exchanges.listExchanges({}), 'exchanges'],
      [() => w.root.swaps.listSwaps({}), 'swaps'],
    ]
    for (const [call, domain] of refusals) {
      await assert.rejects(
        call(),
        failsWith(501, ({ details }) => assert.equal(details.domain, domain)),
      )
    }
  })

  const signedRows = Object.entries(routeTable).filter(
    ([key, rule]) => rule.notServed && !key.startsWith('GET '),
  )
  it(`every one of the ${signedRows.length} writes answers 501 with no token, and leaves a user action unused`, async () => {
    const token = w.bootstrap.serviceAccount.accessToken
    const signer = new AsymmetricKeySigner({
      credId: w.bootstrap.serviceAccount.credId,
      privateKey: w.bootstrap.serviceAccount.privateKey,
    })
    for (const [key, rule] of signedRows) {
      const [method, url] = key.split(' ') as ['POST', string]
      const path = url.replace(/:(\w+)/g, 'xx-$1')
      assertErrorBody(await rawRequest(w.baseUrl, { method, path, body: {} }), 501)
      const userAction = await obtainUserAction(w.baseUrl, token, signer, { method, path, payload: '{}' })
      const res = await rawRequest(w.baseUrl, { method, path, token, userAction, body: '{}' })
      assertErrorBody(res, 501, `The ${rule.notServed} domain of the Dfns API is not implemented by walletd.`)
      assert.equal(await usedAt(userAction), null, `${key} consumed its user action`)
    }
  })
})
