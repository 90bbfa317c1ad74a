import type { FastifyRequest } from 'fastify'
import { AppError } from '../errors.ts'
import type { RouteRule } from './route-table.ts'

/** Who is calling, as established by authentication. */
export interface Caller {
  readonly orgId: string
  /** The user or service account (`us-…`). */
  readonly userId: string
  /** The access token used (`to-…`), or the login session id. */
  readonly tokenId: string
  /**
   * What the identity is, whatever token it used: a PAT of an end user is an `EndUser`, a PAT of a
   * service account a `ServiceAccount`. How it authenticated is `tokenKind`.
   */
  readonly kind: 'CustomerEmployee' | 'EndUser' | 'ServiceAccount'
  readonly appId: string
  /** What the bearer token is: a service-account token, a PAT, a login session, or `Temp` (registration). */
  readonly tokenKind: 'ServiceAccount' | 'Pat' | 'Token' | 'Temp'
  /** The user's username (email) or the service account's name. */
  readonly username: string
  /**
   * The org's permissions stamp, read with the token: replaced in the transaction of every change
   * to the org's permissions or assignments, so operations computed under one stamp stay valid
   * while it is current. Absent for callers not built by authentication (nothing is cached then).
   */
  readonly permissionsVersion?: string
  /** The org's policies stamp, read with the token (see src/db/org-stamps.ts); absent likewise. */
  readonly policiesVersion?: string
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by authentication on routes whose rule requires a token. */
    caller: Caller | undefined
    /** The exact JSON body bytes as received (user actions are bound to them). */
    rawBody: string | undefined
    /** This route's row of the route table (undefined for operational routes). */
    routeRule: RouteRule | undefined
  }
}

/** The authenticated caller; the route table guarantees one on every route that calls this. */
export function callerOf(request: FastifyRequest): Caller {
  if (!request.caller) {
    throw new AppError('internal', undefined, {
      cause: new Error(
        `route ${request.routeOptions.url} reads the caller but its rule does not authenticate`,
      ),
    })
  }
  return request.caller
}
