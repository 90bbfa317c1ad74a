/**
 * The shared security check, run on EVERY row of the route table that the app serves (so a route
 * added later is checked without anyone listing it):
 *
 *   token routes          no token → 401, bad token → 401
 *   with an operation     a caller holding other operations only → 403 naming the operation
 *                         (writes carry a valid user action, so it is the permission that refuses)
 *   user-action routes    no x-dfns-useraction → 403
 *   with :params          another org's ids, by a caller holding every operation → 404, never 403
 *
 * Every refusal must also be in the error contract (assertErrorBody).
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { it } from 'node:test'
import { DfnsApiClient } from '@dfns/sdk'
import { AsymmetricKeySigner } from '@dfns/sdk-keysigner'
import { SignJWT } from 'jose'
import { type RouteRule, routeTable } from '../../../src/http/route-table.ts'
import {
  assertErrorBody,
  obtainUserAction,
  type RawResponse,
  rawRequest,
  type TokenIdentity,
  type Walletd,
} from '../../helpers/sdk.ts'
import { idFixtures, type OtherOrg, publicParams, sampleBodies } from './fixtures.ts'

export interface ServedRoute {
  readonly key: string
  readonly method: string
  readonly url: string
  readonly rule: RouteRule
  readonly params: string[]
}

/** The rows of the route table this app serves (not the 501 rows of domains it does not). */
export function servedRoutes(w: Walletd): ServedRoute[] {
  return Object.entries(routeTable)
    .map(([key, rule]) => {
      const [method, url] = key.split(' ') as [string, string]
      return { key, method, url, rule, params: [...url.matchAll(/:(\w+)/g)].map((m) => m[1]!) }
    })
    .filter((r) => !r.rule.notServed && w.app.hasRoute({ method: r.method as 'GET', url: r.url }))
}

const fill = (url: string, values: Record<string, string>) =>
  url.replace(/:(\w+)/g, (_, name: string) => encodeURIComponent(values[name] ?? `${name}-unknown`))

const placeholderIds = (params: string[]) =>
  Object.fromEntries(params.map((p) => [p, `xx-${randomBytes(4).toString('hex')}-placeholder`]))

export interface SecurityContext {
  readonly w: Walletd
  /** A service account of the org holding one operation no route requires. */
  readonly powerless: TokenIdentity
  readonly other: OtherOrg
  /** Lazily made ids of the other org, by parameter name. */
  otherId(param: string): Promise<string>
}

export async function prepareSecurityContext(w: Walletd): Promise<SecurityContext> {
  // Plan-gated routes must reach the permission and lookup steps: both orgs get every feature.
  await w.app.walletd.plans.change(w.orgId, { plan: 'Enterprise' })
  const unrelated = await w.root.permissions.createPermission({
    body: { name: 'unrelated', operations: ['Analytics:Read'] },
  })
  const powerless = await w.newServiceAccount({ permissionId: unrelated.id })
  const boot = await w.bootstrapOrg()
  await w.app.walletd.plans.change(boot.orgId, { plan: 'Enterprise' })
  const other: OtherOrg = {
    orgId: boot.orgId,
    rootUserId: boot.serviceAccount.userId,
    client: new DfnsApiClient({
      baseUrl: w.baseUrl,
      orgId: boot.orgId,
      authToken: boot.serviceAccount.accessToken,
      signer: new AsymmetricKeySigner({
        credId: boot.serviceAccount.credId,
        privateKey: boot.serviceAccount.privateKey,
      }),
    }),
  }
  const made = new Map<string, Promise<string>>()
  const otherId = (param: string): Promise<string> => {
    const fixture = idFixtures[param]
    if (!fixture) {
      return Promise.reject(
        new Error(`no fixture for :${param}; add one to test/e2e/security/fixtures.ts (idFixtures)`),
      )
    }
    if (!made.has(param)) made.set(param, fixture(other, otherId))
    return made.get(param)!
  }
  return { w, powerless, other, otherId }
}

const rootSigner = (w: Walletd) =>
  new AsymmetricKeySigner({
    credId: w.bootstrap.serviceAccount.credId,
    privateKey: w.bootstrap.serviceAccount.privateKey,
  })

/** Send `route` as `token` (signed by `signer` when the route needs a user action). */
async function send(
  ctx: SecurityContext,
  route: ServedRoute,
  path: string,
  as: { token: string; signer?: AsymmetricKeySigner; userAction?: boolean },
  body: unknown = {},
): Promise<RawResponse> {
  const hasBody = route.method !== 'GET'
  const payload = JSON.stringify(body)
  const userAction =
    route.rule.userAction && as.userAction !== false && as.signer
      ? await obtainUserAction(ctx.w.baseUrl, as.token, as.signer, {
          method: route.method as 'POST',
          path,
          payload,
        })
      : undefined
  return rawRequest(ctx.w.baseUrl, {
    method: route.method,
    path,
    token: as.token,
    ...(userAction ? { userAction } : {}),
    ...(hasBody ? { body: payload } : {}),
  })
}

async function forgedToken(): Promise<string> {
  const { privateKey } = await import('node:crypto').then((c) =>
    c.generateKeyPairSync('ec', { namedCurve: 'prime256v1' }),
  )
  return new SignJWT({ 'https://custom/app_metadata': { orgId: 'or-forged' } })
    .setProtectedHeader({ alg: 'ES256', kid: 'forged' })
    .setSubject('us-forged')
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(privateKey)
}

/** Register one `it` per check per served route (call inside a `describe`). */
export function routeSecurityTests(ctx: SecurityContext): void {
  const context = () => ctx
  for (const served of servedRoutes(ctx.w)) {
    const { key, rule } = served
    const route = () => served
    if (rule.auth === 'none') continue

    it(`${key}: no token → 401, bad token → 401`, async () => {
      const r = route()
      const path = fill(r.url, placeholderIds(r.params))
      const body = r.method === 'GET' ? undefined : {}
      assertErrorBody(await rawRequest(context().w.baseUrl, { method: r.method, path, body }), 401)
      for (const token of ['not-a-jwt', await forgedToken()]) {
        assertErrorBody(await rawRequest(context().w.baseUrl, { method: r.method, path, token, body }), 401)
      }
    })
    if (rule.auth !== 'token') continue

    if (rule.operation) {
      it(`${key}: a caller without ${rule.operation} → 403`, async () => {
        const ctx = context()
        const r = route()
        const path = fill(r.url, placeholderIds(r.params))
        const signer = new AsymmetricKeySigner({
          credId: ctx.powerless.credId,
          privateKey: ctx.powerless.key.privateKey,
        })
        const response = await send(ctx, r, path, { token: ctx.powerless.accessToken, signer })
        assertErrorBody(response, 403)
        assert.equal(
          response.body.error.message,
          `ServiceAccount ${ctx.powerless.userId} is not authorized to perform operation (${rule.operation})`,
        )
      })
    }

    if (rule.userAction) {
      it(`${key}: no user action → 403`, async () => {
        const ctx = context()
        const r = route()
        const path = fill(r.url, placeholderIds(r.params))
        const response = await send(ctx, r, path, { token: ctx.w.bootstrap.serviceAccount.accessToken })
        assertErrorBody(response, 403, 'user action signature is missing or invalid')
      })
    }

    if (served.params.some((p) => !publicParams.has(p))) {
      it(`${key}: another org’s id → 404`, async () => {
        const ctx = context()
        const r = route()
        const values: Record<string, string> = {}
        for (const param of r.params) values[param] = await ctx.otherId(param)
        const path = fill(r.url, values)
        const response = await send(
          ctx,
          r,
          path,
          { token: ctx.w.bootstrap.serviceAccount.accessToken, signer: rootSigner(ctx.w) },
          sampleBodies[key] ?? {},
        )
        if (response.status === 400) {
          assert.fail(
            `${key} answered 400 before its lookup (${JSON.stringify(response.body)}); ` +
              'add a valid body to sampleBodies in test/e2e/security/fixtures.ts',
          )
        }
        assertErrorBody(response, 404)
      })
    }
  }
}
