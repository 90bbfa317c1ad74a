import type { AssignmentSummary } from '../../permissions/index.ts'
import type { AccessToken, App, Credential, User } from '../model.ts'
import type { AccessTokenView, AppView, CredentialView, ServiceAccountView, UserView } from '../schemas.ts'
import type { AuthDeps } from './context.ts'

/** Turn domain objects into the API's shapes, with their permission assignments. */

function userFields(user: User, assignments: AssignmentSummary[]) {
  return {
    username: user.username,
    name: user.name,
    userId: user.id,
    kind: user.kind,
    credentialUuid: user.credentialUuid ?? '',
    orgId: user.orgId,
    permissions: [],
    isActive: user.isActive,
    isServiceAccount: user.isServiceAccount,
    isRegistered: user.isRegistered,
    permissionAssignments: assignments,
    ...(user.externalId ? { externalId: user.externalId } : {}),
  }
}

function tokenView(
  token: AccessToken,
  credential: Credential | undefined,
  assignments: AssignmentSummary[],
): AccessTokenView {
  return {
    dateCreated: token.dateCreated,
    credId: credential?.credId ?? '',
    isActive: token.isActive && !token.isArchived,
    kind: token.kind,
    linkedUserId: token.userId,
    linkedAppId: token.appId,
    name: token.name,
    orgId: token.orgId,
    permissionAssignments: assignments,
    publicKey: credential?.publicKey ?? '',
    tokenId: token.id,
    expiresAt: token.expiresAt,
    ...(token.externalId ? { externalId: token.externalId } : {}),
  }
}

export type ViewService = ReturnType<typeof createViewService>

/** The views that read permission assignments (and a token's key credential). */
export function createViewService(ctx: AuthDeps<'permissions' | 'credentials' | 'tokens'>) {
  async function userViews(users: User[]): Promise<UserView[]> {
    const assignments = await ctx.repos.permissions.assignmentsOf(users.map((u) => u.id))
    return users.map((u) => ({
      ...userFields(u, assignments.get(u.id) ?? []),
      isSSORequired: u.isSsoRequired,
    }))
  }

  async function userView(user: User): Promise<UserView> {
    const [view] = await userViews([user])
    return view!
  }

  async function accessTokenViews(tokens: AccessToken[]): Promise<AccessTokenView[]> {
    // A PAT holds its own assignments; a service-account token acts with its account's.
    const holders = tokens.map((t) => (t.kind === 'Pat' ? t.id : t.userId))
    const assignments = await ctx.repos.permissions.assignmentsOf([...new Set(holders)])
    const credentials = await Promise.all(tokens.map((t) => ctx.repos.credentials.ofToken(t.id)))
    return tokens.map((t, i) => tokenView(t, credentials[i], assignments.get(holders[i]!) ?? []))
  }

  async function serviceAccountView(account: User): Promise<ServiceAccountView> {
    const tokens = await ctx.repos.tokens.listOfUser(account.id, 'ServiceAccount')
    const assignments = await ctx.repos.permissions.assignmentsOf([account.id])
    return {
      userInfo: userFields(account, assignments.get(account.id) ?? []),
      accessTokens: await accessTokenViews(tokens),
    }
  }

  return { userViews, userView, accessTokenViews, serviceAccountView }
}

export function credentialView(c: Credential): CredentialView {
  return {
    kind: c.kind,
    credentialId: c.credId,
    credentialUuid: c.uuid,
    dateCreated: c.dateCreated,
    isActive: c.isActive,
    name: c.name,
    publicKey: c.publicKey,
    relyingPartyId: c.relyingPartyId,
    origin: c.origin,
  }
}

export function appView(app: App): AppView {
  return {
    appId: app.id,
    kind: app.kind,
    orgId: app.orgId,
    name: app.name,
    isActive: app.isActive,
    permissionAssignments: [],
    accessTokens: [],
  }
}
