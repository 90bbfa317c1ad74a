/**
 * The route table: for every route walletd serves, who may call it.
 *
 * - `auth`: `token` (a Bearer access token), `none` (public: login, registration init…),
 *   `registration` (the temporary registration token as Bearer).
 * - `operation`: the permission operation the caller's assignments must cover; `null` means being
 *   authenticated is enough.
 * - `userAction`: whether an `x-dfns-useraction` header bound to this exact request is required.
 *   Every non-GET route needs one except those listed in api-reference/README.md.
 *
 * Registering a route that has no row here fails at start-up (see `assertRouteInTable`), so this
 * file is always the whole list. Tests walk it to run the security checks on every route.
 */
export type RouteAuth = 'token' | 'none' | 'registration'

export interface RouteRule {
  readonly auth: RouteAuth
  readonly operation: string | null
  readonly userAction: boolean
}

const signed = (operation: string | null): RouteRule => ({ auth: 'token', operation, userAction: true })
const read = (operation: string | null): RouteRule => ({ auth: 'token', operation, userAction: false })
const open: RouteRule = { auth: 'none', operation: null, userAction: false }

export const routeTable: Readonly<Record<string, RouteRule>> = {
  // --- auth: login, logout, registration ---------------------------------------------------------
  'POST /auth/login/init': open,
  'POST /auth/login': open,
  'POST /auth/login/delegated': signed('Auth:Login:Delegated'),
  'PUT /auth/logout': read(null),
  'POST /auth/registration/init': open,
  'POST /auth/registration': { auth: 'registration', operation: null, userAction: false },
  'POST /auth/registration/enduser': { auth: 'registration', operation: null, userAction: false },
  'POST /auth/registration/delegated': signed('Auth:Register:Delegated'),
  // --- auth: user actions and their audit log ----------------------------------------------------
  'POST /auth/action/init': read(null),
  'POST /auth/action': read(null),
  'GET /auth/action/logs': read('Auth:Logs:Read'),
  'GET /auth/action/logs/:logId': read('Auth:Logs:Read'),
  // --- auth: users ------------------------------------------------------------------------------
  'POST /auth/users': signed('Auth:Users:Create'),
  'GET /auth/users': read('Auth:Users:Read'),
  'GET /auth/users/:userId': read('Auth:Users:Read'),
  'PUT /auth/users/:userId': signed('Auth:Users:Update'),
  'PUT /auth/users/:userId/activate': signed('Auth:Users:Activate'),
  'PUT /auth/users/:userId/deactivate': signed('Auth:Users:Deactivate'),
  'DELETE /auth/users/:userId': signed('Auth:Users:Delete'),
  // --- auth: service accounts -------------------------------------------------------------------
  'POST /auth/service-accounts': signed('Auth:ServiceAccounts:Create'),
  'GET /auth/service-accounts': read('Auth:ServiceAccounts:Read'),
  'GET /auth/service-accounts/:serviceAccountId': read('Auth:ServiceAccounts:Read'),
  'PUT /auth/service-accounts/:serviceAccountId': signed('Auth:ServiceAccounts:Update'),
  'PUT /auth/service-accounts/:serviceAccountId/activate': signed('Auth:ServiceAccounts:Activate'),
  'PUT /auth/service-accounts/:serviceAccountId/deactivate': signed('Auth:ServiceAccounts:Deactivate'),
  'DELETE /auth/service-accounts/:serviceAccountId': signed('Auth:ServiceAccounts:Delete'),
  // --- auth: personal access tokens (a user manages their own; only creation needs an operation) --
  'POST /auth/pats': signed('Auth:Pats:Create'),
  'GET /auth/pats': read(null),
  'GET /auth/pats/:tokenId': read(null),
  'PUT /auth/pats/:tokenId': signed(null),
  'PUT /auth/pats/:tokenId/activate': signed(null),
  'PUT /auth/pats/:tokenId/deactivate': signed(null),
  'DELETE /auth/pats/:tokenId': signed(null),
  // --- auth: credentials (a user manages their own) ---------------------------------------------
  'GET /auth/credentials': read(null),
  'POST /auth/credentials/init': read(null),
  'POST /auth/credentials': signed(null),
  'PUT /auth/credentials/activate': signed(null),
  'PUT /auth/credentials/deactivate': signed(null),
  // --- auth: applications (read only) -----------------------------------------------------------
  'GET /auth/apps': read(null),
  'GET /auth/apps/:appId': read(null),
  // --- permissions ------------------------------------------------------------------------------
  'POST /permissions': signed('Permissions:Create'),
  'GET /permissions': read('Permissions:Read'),
  'GET /permissions/:permissionId': read('Permissions:Read'),
  'PUT /permissions/:permissionId': signed('Permissions:Update'),
  'PUT /permissions/:permissionId/archive': signed('Permissions:Archive'),
  'POST /permissions/:permissionId/assignments': signed('Permissions:Assign'),
  'GET /permissions/:permissionId/assignments': read('Permissions:Assignments:Read'),
  'DELETE /permissions/:permissionId/assignments/:assignmentId': signed('Permissions:Revoke'),
  // --- policies and approvals -------------------------------------------------------------------
  'POST /v2/policies': signed('Policies:Create'),
  'GET /v2/policies': read('Policies:Read'),
  'GET /v2/policies/:policyId': read('Policies:Read'),
  'PUT /v2/policies/:policyId': signed('Policies:Update'),
  'DELETE /v2/policies/:policyId': signed('Policies:Archive'),
  'GET /v2/policy-approvals': read('Policies:Approvals:Read'),
  'GET /v2/policy-approvals/:approvalId': read('Policies:Approvals:Read'),
  'POST /v2/policy-approvals/:approvalId/decisions': signed('Policies:Approvals:Approve'),
  // --- wallets ----------------------------------------------------------------------------------
  'POST /wallets': signed('Wallets:Create'),
  'GET /wallets': read('Wallets:Read'),
  'GET /wallets/:walletId': read('Wallets:Read'),
  'PUT /wallets/:walletId': signed('Wallets:Update'),
  'PUT /wallets/:walletId/tags': signed('Wallets:Tags:Add'),
  'DELETE /wallets/:walletId/tags': signed('Wallets:Tags:Delete'),
  'POST /wallets/:walletId/delegate': signed('Keys:Delegate'),
  'POST /wallets/:walletId/export': signed('Keys:Export'),
  'POST /wallets/import': signed('Keys:Import'),
  'POST /wallets/:walletId/signatures': signed('Keys:Signatures:Create'),
  'GET /wallets/:walletId/signatures': read('Keys:Signatures:Read'),
  'GET /wallets/:walletId/signatures/:signatureId': read('Keys:Signatures:Read'),
  // --- keys -------------------------------------------------------------------------------------
  'POST /keys': signed('Keys:Create'),
  'GET /keys': read('Keys:Read'),
  'GET /keys/:keyId': read('Keys:Read'),
  'PUT /keys/:keyId': signed('Keys:Update'),
  'DELETE /keys/:keyId': signed('Keys:Delete'),
  'POST /keys/:keyId/delegate': signed('Keys:Delegate'),
  'POST /keys/:keyId/export': signed('Keys:Export'),
  'POST /keys/import': signed('Keys:Import'),
  'POST /keys/:keyId/signatures': signed('Keys:Signatures:Create'),
  'GET /keys/:keyId/signatures': read('Keys:Signatures:Read'),
  'GET /keys/:keyId/signatures/:signatureId': read('Keys:Signatures:Read'),
  'GET /signers': read('Signers:ListSigners'),
}

export function routeKey(method: string, url: string): string {
  return `${method.toUpperCase()} ${url}`
}

/** Operational routes outside the Dfns API: no auth, no rate limit, not in the table. */
export const operationalRoutes: ReadonlySet<string> = new Set([
  'GET /healthz',
  'GET /readyz',
  'GET /metrics',
  'GET /openapi.json',
  // The public key that signs bearer tokens, for anyone who wants to verify them offline.
  'GET /.well-known/jwks.json',
])

export function ruleFor(method: string, url: string): RouteRule | undefined {
  return routeTable[routeKey(method, url)]
}
