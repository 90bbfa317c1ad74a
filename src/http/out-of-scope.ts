import type { FastifyInstance } from 'fastify'
import { AppError } from '../errors.ts'
import { routeTable } from './route-table.ts'

/**
 * Dfns domains walletd does not serve answer 501 in the error contract naming the domain, never a
 * misleading 402, an empty 200, or a 404 an SDK user cannot tell from "not found".
 *
 * Two sources: the route table's `notServed` rows (every route the SDK calls, registered here and
 * refused by the pipeline's first hook, before authentication and so before any user action is
 * consumed), and the path prefixes below for any other path of a domain walletd leaves out.
 */
const outOfScope: ReadonlyArray<readonly [RegExp, string]> = [
  [/^\/exchanges(\/|$)/, 'exchanges'],
  [/^\/staking(\/|$)/, 'staking'],
  [/^\/swaps(\/|$)/, 'swaps'],
  [/^\/payouts(\/|$)/, 'payouts'],
  [/^\/allocations(\/|$)/, 'allocations'],
  [/^\/fee-sponsors(\/|$)/, 'fee sponsors'],
  [/^\/networks\/[^/]+\/validators(\/|$)/, 'canton'],
  [/^\/wallets\/[^/]+\/canton(\/|$)/, 'canton'],
  [/^\/wallets\/[^/]+\/offers(\/|$)/, 'canton'],
  [/^\/agreements(\/|$)/, 'agreements'],
  [/^\/key-stores(\/|$)/, 'key-stores'],
]

export function outOfScopeDomainFor(path: string): string | undefined {
  return outOfScope.find(([pattern]) => pattern.test(path))?.[1]
}

export const outOfScopeDomains = [...new Set(outOfScope.map(([, name]) => name))]

export function notServedError(domain: string, method: string, path: string): AppError {
  return new AppError(
    'not_implemented',
    `The ${domain} domain of the Dfns API is not implemented by walletd.`,
    {
      details: { domain, method, path },
    },
  )
}

/**
 * Registers every `notServed` row as a route, so it is in the OpenAPI document and the method
 * index. The handler is never reached: the pipeline's first hook answers 501 from the row. A
 * domain that starts serving such a route must replace the row, or this registration collides
 * with its own and the app does not start.
 */
export function registerNotServedRoutes(app: FastifyInstance): void {
  for (const [key, rule] of Object.entries(routeTable)) {
    if (!rule.notServed) continue
    const [method, url] = key.split(' ') as [string, string]
    const domain = rule.notServed
    app.route({
      method: method as 'GET',
      url,
      handler: async (request) => {
        throw notServedError(domain, request.method, request.url.split('?')[0] ?? '')
      },
    })
  }
}
