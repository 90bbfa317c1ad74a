import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { isDeepStrictEqual } from 'node:util'
import { AsymmetricKeySigner } from '@dfns/sdk-keysigner'
import fc from 'fast-check'
import { testDialect } from '../../helpers/database.ts'
import {
  assertErrorBody,
  obtainUserAction,
  rawRequest,
  startWalletd,
  type Walletd,
} from '../../helpers/sdk.ts'

/**
 * Random mutations of valid requests never get a 5xx, always answer in the error contract, and
 * are only accepted when nothing that matters was changed.
 */

/** Fixed so a CI failure replays; FC_SEED=<n> explores other cases. */
const seed = Number(process.env.FC_SEED ?? 20260101)

type Mutation =
  | { kind: 'none' }
  | { kind: 'dropToken' }
  | { kind: 'dropUserAction' }
  | { kind: 'token' | 'userAction'; at: number; char: string }
  | { kind: 'body'; value: unknown }
  | { kind: 'rawBody'; text: string }
  | { kind: 'path'; suffix: string }
  | { kind: 'method'; method: 'PUT' | 'DELETE' | 'PATCH' | 'GET' }
  | { kind: 'header'; name: string; value: string }

const base64urlChar = fc.constantFrom(
  ...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.='.split(''),
)

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.constant({ kind: 'none' as const }),
  fc.constant({ kind: 'dropToken' as const }),
  fc.constant({ kind: 'dropUserAction' as const }),
  fc.record({
    kind: fc.constantFrom('token' as const, 'userAction' as const),
    at: fc.nat(2000),
    char: base64urlChar,
  }),
  fc.record({ kind: fc.constant('body' as const), value: fc.jsonValue({ maxDepth: 3 }) }),
  fc.record({ kind: fc.constant('rawBody' as const), text: fc.string({ maxLength: 200 }) }),
  fc.record({
    kind: fc.constant('path' as const),
    suffix: fc.constantFrom('/', 'x', '/x', '%2F', '?a=b', '/..', '%00'),
  }),
  fc.record({
    kind: fc.constant('method' as const),
    method: fc.constantFrom('PUT' as const, 'DELETE' as const, 'PATCH' as const, 'GET' as const),
  }),
  fc.record({
    kind: fc.constant('header' as const),
    name: fc.constantFrom('content-type', 'x-dfns-useraction', 'authorization'),
    value: fc.string({ maxLength: 100 }).map((s) => s.replace(/[^\x20-\x7e]/g, '')),
  }),
)

/** Same JSON value (key order and spacing aside), judged independently of the server's code. */
function sameJson(a: string, b: string): boolean {
  try {
    return isDeepStrictEqual(JSON.parse(a), JSON.parse(b))
  } catch {
    return false
  }
}

const replaceAt = (s: string, at: number, char: string) => {
  const i = at % Math.max(1, s.length)
  return s.slice(0, i) + char + s.slice(i + 1)
}

describe(`random mutations of valid requests (${testDialect})`, () => {
  let w: Walletd
  let counter = 0
  before(async () => {
    w = await startWalletd()
  })
  after(() => w.close())

  it('signed writes: no 5xx, the error contract, accepted only when unchanged', async () => {
    const token = w.bootstrap.serviceAccount.accessToken
    const signer = new AsymmetricKeySigner({
      credId: w.bootstrap.serviceAccount.credId,
      privateKey: w.bootstrap.serviceAccount.privateKey,
    })
    await fc.assert(
      fc.asyncProperty(mutation, async (m) => {
        const path = '/auth/users'
        const payload = JSON.stringify({ email: `prop-${++counter}@example.com`, kind: 'CustomerEmployee' })
        const userAction = await obtainUserAction(w.baseUrl, token, signer, { method: 'POST', path, payload })
        let request = {
          method: 'POST',
          path,
          token: token as string | undefined,
          userAction: userAction as string | undefined,
          body: payload,
          headers: {} as Record<string, string>,
        }
        switch (m.kind) {
          case 'none':
            break
          case 'dropToken':
            request.token = undefined
            break
          case 'dropUserAction':
            request.userAction = undefined
            break
          case 'token':
            request.token = replaceAt(token, m.at, m.char)
            break
          case 'userAction':
            request.userAction = replaceAt(userAction, m.at, m.char)
            break
          case 'body':
            request.body = JSON.stringify(m.value)
            break
          case 'rawBody':
            request.body = m.text
            break
          case 'path':
            request = { ...request, path: path + m.suffix }
            break
          case 'method':
            request = { ...request, method: m.method }
            break
          case 'header':
            // The header replaces what the harness would send under that name.
            request.headers = { [m.name]: m.value }
            if (m.name === 'authorization') request.token = undefined
            if (m.name === 'x-dfns-useraction') request.userAction = undefined
            break
        }
        const { token: t, userAction: ua, ...rest } = request
        const response = await rawRequest(w.baseUrl, {
          ...rest,
          ...(t === undefined ? {} : { token: t }),
          ...(ua === undefined ? {} : { userAction: ua }),
          ...(request.method === 'GET' ? { body: undefined } : {}),
        })
        assert.ok(response.status < 500, `5xx for ${JSON.stringify(m)}: ${JSON.stringify(response.body)}`)
        if (response.status >= 400) {
          assertErrorBody(response, response.status)
          return
        }
        if (request.method === 'GET') {
          // A read of the same path needs no user action and writes nothing.
          assert.ok(Array.isArray(response.body.items), JSON.stringify(response.body))
          return
        }
        // An accepted write must be the signed one in every way that matters.
        const sent = request.headers
        const effectiveToken = sent.authorization !== undefined ? sent.authorization : `Bearer ${t}`
        const effectiveUa = sent['x-dfns-useraction'] ?? ua
        assert.equal(request.method, 'POST', JSON.stringify(m))
        assert.equal(request.path.split('?')[0], path, JSON.stringify(m))
        assert.equal(
          effectiveToken.trim().replace(/^bearer +/i, 'Bearer '),
          `Bearer ${token}`,
          JSON.stringify(m),
        )
        assert.equal(effectiveUa?.trim(), userAction, JSON.stringify(m))
        assert.ok(sameJson(request.body, payload), JSON.stringify(m))
      }),
      { numRuns: 120, seed },
    )
  })

  it('random bodies on every auth route: no 5xx, always the error contract', async () => {
    const token = w.bootstrap.serviceAccount.accessToken
    const routes: Array<[string, string, boolean]> = [
      ['POST', '/auth/login/init', false],
      ['POST', '/auth/login', false],
      ['POST', '/auth/registration/init', false],
      ['POST', '/auth/registration', true],
      ['POST', '/auth/action/init', true],
      ['POST', '/auth/action', true],
      ['POST', '/auth/credentials/init', true],
      ['PUT', '/auth/logout', true],
      ['GET', '/auth/users?limit=abc', true],
      ['GET', '/auth/action/logs?startTime=yesterday', true],
    ]
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...routes),
        fc.jsonValue({ maxDepth: 4 }),
        async ([method, path, auth], value) => {
          const response = await rawRequest(w.baseUrl, {
            method,
            path,
            ...(auth ? { token } : {}),
            ...(method === 'GET' ? {} : { body: JSON.stringify(value) }),
          })
          assert.ok(
            response.status < 500,
            `${method} ${path} → ${response.status} ${JSON.stringify(response.body)}`,
          )
          if (response.status >= 400) assertErrorBody(response, response.status)
        },
      ),
      { numRuns: 150, seed: seed + 1 },
    )
  })
})
