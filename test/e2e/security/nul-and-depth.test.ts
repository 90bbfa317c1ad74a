import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { MAX_BODY_DEPTH } from '../../../src/http/json-body.ts'
import { testDialect } from '../../helpers/database.ts'
import { rawRequest, startWalletd, type Walletd } from '../../helpers/sdk.ts'

// A NUL character anywhere in a request's text, and bodies nested past the limit, are a 400 naming
// the field or the limit on every route, unauthenticated ones included. Both used to be 500s (NUL
// on PostgreSQL only; deep nesting overflowed the stack).

const NUL = '\u0000'

/** `depth` nested arrays around a number: `[[[1]]]` has depth 3. */
const nested = (depth: number) => `${'['.repeat(depth)}1${']'.repeat(depth)}`

describe(`NUL characters and deep nesting (${testDialect})`, () => {
  let w: Walletd
  let token: string
  before(async () => {
    w = await startWalletd()
    token = w.bootstrap.serviceAccount.accessToken
  })
  after(() => w.close())

  const cases: {
    name: string
    method: string
    path: string
    auth: boolean
    body?: string
    field: string
  }[] = [
    {
      name: 'login init (unauthenticated), body',
      method: 'POST',
      path: '/auth/login/init',
      auth: false,
      body: JSON.stringify({ username: `jane${NUL}@example.com`, orgId: 'or-x' }),
      field: 'body.username',
    },
    {
      name: 'registration init (unauthenticated), body',
      method: 'POST',
      path: '/auth/registration/init',
      auth: false,
      body: JSON.stringify({ username: 'jane@example.com', orgId: `or-${NUL}`, registrationCode: 'x' }),
      field: 'body.orgId',
    },
    {
      name: 'create user, body string',
      method: 'POST',
      path: '/auth/users',
      auth: true,
      body: JSON.stringify({ email: `a${NUL}@example.com`, kind: 'CustomerEmployee' }),
      field: 'body.email',
    },
    {
      name: 'create user, body key',
      method: 'POST',
      path: '/auth/users',
      auth: true,
      body: JSON.stringify({ email: 'a@example.com', kind: 'CustomerEmployee', [`x${NUL}y`]: 1 }),
      field: 'body.x\\u0000y',
    },
    {
      name: 'create wallet, body',
      method: 'POST',
      path: '/wallets',
      auth: true,
      body: JSON.stringify({ network: 'EthereumSepolia', name: `w${NUL}` }),
      field: 'body.name',
    },
    {
      name: 'tag wallet, string in an array',
      method: 'PUT',
      path: '/wallets/wa-00000-00000-0000000000000000/tags',
      auth: true,
      body: JSON.stringify({ tags: ['ok', `t${NUL}`] }),
      field: 'body.tags.1',
    },
    {
      name: 'create policy, nested string',
      method: 'POST',
      path: '/v2/policies',
      auth: true,
      body: JSON.stringify({
        name: 'p',
        activityKind: 'Wallets:Sign',
        rule: { kind: 'AlwaysTrigger' },
        action: { kind: 'Block' },
        filters: { walletId: { in: [`wa-${NUL}`] } },
      }),
      field: 'body.filters.walletId.in.0',
    },
    {
      name: 'list wallets, query',
      method: 'GET',
      path: '/wallets?limit=10&paginationToken=%00',
      auth: true,
      field: 'querystring.paginationToken',
    },
    {
      name: 'get wallet, path parameter',
      method: 'GET',
      path: '/wallets/wa-%00',
      auth: true,
      field: 'params.walletId',
    },
    {
      name: 'get user, path parameter',
      method: 'GET',
      path: '/auth/users/us-%00x',
      auth: true,
      field: 'params.userId',
    },
  ]

  for (const c of cases) {
    it(`${c.name}: 400 naming ${c.field}`, async () => {
      const res = await rawRequest(w.baseUrl, {
        method: c.method,
        path: c.path,
        token: c.auth ? token : undefined,
        ...(c.body === undefined ? {} : { body: c.body }),
      })
      assert.equal(res.status, 400, JSON.stringify(res.body))
      assert.deepEqual(res.body.error.details, {
        field: c.field.slice(c.field.indexOf('.') + 1),
        location: c.field.split('.')[0],
        rule: 'noNulCharacter',
      })
      assert.equal(res.body.error.message, `Invalid ${c.field}: must not contain a NUL character (\\u0000).`)
    })
  }

  it('a body nested deeper than the limit is a 400 naming the limit, on an unauthenticated route', async () => {
    const body = `{"username":"jane@example.com","orgId":"or-x","x":${nested(3000)}}`
    for (const auth of [false, true]) {
      const res = await rawRequest(w.baseUrl, {
        method: 'POST',
        path: auth ? '/wallets' : '/auth/login/init',
        token: auth ? token : undefined,
        body,
      })
      assert.equal(res.status, 400, JSON.stringify(res.body))
      assert.equal(res.body.error.message, `Request body nests deeper than ${MAX_BODY_DEPTH} levels.`)
      assert.deepEqual(res.body.error.details, {
        field: 'body',
        location: 'body',
        rule: 'maxDepth',
        limit: MAX_BODY_DEPTH,
      })
    }
  })

  it('nesting up to the limit, and brackets inside strings, pass the parser', async () => {
    // depth = the outer object + (limit - 1) arrays
    for (const x of [nested(MAX_BODY_DEPTH - 1), JSON.stringify('['.repeat(5000))]) {
      const res = await rawRequest(w.baseUrl, {
        method: 'POST',
        path: '/auth/login/init',
        body: `{"username":"jane@example.com","orgId":"or-x","x":${x}}`,
      })
      assert.notEqual(res.body.error?.details?.rule, 'maxDepth', JSON.stringify(res.body))
      assert.ok(res.status < 500, JSON.stringify(res.body))
    }
  })
})
