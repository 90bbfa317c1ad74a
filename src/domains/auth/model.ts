/** The auth domain's objects as services see them (repositories map rows to these). */

export type UserKind = 'CustomerEmployee' | 'EndUser'
export type TokenKind = 'ServiceAccount' | 'Pat' | 'Token' | 'Temp'
export type CredentialKind = 'Fido2' | 'Key' | 'PasswordProtectedKey' | 'Password' | 'Totp' | 'RecoveryKey'
export type ChallengePurpose =
  | 'UserAction'
  | 'Login'
  | 'Registration'
  | 'Credential'
  | 'CredentialWithCode'
  | 'Recovery'

export interface User {
  id: string
  orgId: string
  username: string
  name: string
  kind: UserKind
  isServiceAccount: boolean
  isActive: boolean
  isArchived: boolean
  isRegistered: boolean
  isSsoRequired: boolean
  credentialUuid: string | null
  externalId: string | null
  registrationCodeHash: string | null
  registrationCodeExpiresAt: string | null
  dateCreated: string
  dateUpdated: string
}

export interface AccessToken {
  id: string
  orgId: string
  userId: string
  appId: string
  kind: TokenKind
  name: string
  externalId: string | null
  isActive: boolean
  isArchived: boolean
  expiresAt: string
  dateCreated: string
  dateUpdated: string
}

export interface Credential {
  uuid: string
  orgId: string
  userId: string
  tokenId: string | null
  kind: CredentialKind
  credId: string
  name: string
  publicKey: string
  encryptedPrivateKey: string | null
  relyingPartyId: string
  origin: string
  signCount: number
  isActive: boolean
  dateCreated: string
}

export interface App {
  id: string
  orgId: string
  name: string
  kind: 'ServerSideApplication' | 'ClientSideApplication'
  isActive: boolean
  dateCreated: string
}

export interface Challenge {
  id: string
  orgId: string
  purpose: ChallengePurpose
  userId: string
  tokenId: string | null
  challenge: string
  allowedCredIds: string[]
  credentialKind: CredentialKind | null
  httpMethod: string | null
  httpPath: string | null
  payload: string | null
  expiresAt: string
  usedAt: string | null
  /** Set on unauthenticated inits (login, registration): counts against that address's cap. */
  clientAddress?: string | null
}

export interface UserActionRecord {
  id: string
  tokenHash: string
  orgId: string
  userId: string
  tokenId: string
  httpMethod: string
  httpPath: string
  payload: string
  credentialUuid: string
  clientData: string
  signature: string
  authenticatorData: string | null
  expiresAt: string
  usedAt: string | null
  dateCreated: string
}

/** The credential kinds that can answer a signing challenge (login or user action). */
export const signingKinds: readonly CredentialKind[] = ['Key', 'PasswordProtectedKey', 'Fido2']

/** A service account's or PAT's own key signs its user actions, not its user's credentials. */
export const signsWithOwnKey = (tokenKind: TokenKind): boolean =>
  tokenKind === 'ServiceAccount' || tokenKind === 'Pat'

/** How long each thing lives (milliseconds). Documented in README.md of this folder. */
export const lifetimes = {
  /** A challenge of any flow must be answered within this. */
  challenge: 15 * 60_000,
  /** A userAction token must be used within this. */
  userAction: 5 * 60_000,
  /** A login session token. */
  loginSession: 24 * 60 * 60_000,
  /** The registration code handed out when a user is created. */
  registrationCode: 7 * 24 * 60 * 60_000,
  /** Default for service-account tokens and PATs when neither daysValid nor secondsValid is sent. */
  defaultAccessToken: 365 * 24 * 60 * 60_000,
  /** The root service account created by bootstrap. */
  bootstrapToken: 730 * 24 * 60 * 60_000,
  /** A recovery code e-mailed by `sendRecoveryCode`. */
  recoveryCode: 15 * 60_000,
  /** A login code e-mailed by `sendLoginCode`. */
  loginCode: 10 * 60_000,
  /** The longest `expiration` a credential code may ask for. */
  credentialCodeMax: 15 * 60_000,
  /** Single sign-on state between `ssoLoginInit` and `ssoLogin`. */
  ssoState: 10 * 60_000,
} as const

/**
 * One-time codes sent by e-mail (recovery, login, registration): how many may be asked for, and
 * how many wrong guesses a code survives. Documented in README.md of this folder.
 */
export const codeLimits = {
  /** The window the two counts below are taken over. */
  windowMs: 15 * 60_000,
  /** Codes of one purpose sent to one user per window. Beyond: 429. */
  perUser: 5,
  /** Codes (any purpose) asked for by one client address per window. Beyond: 429. */
  perAddress: 20,
  /** Wrong codes tried against a user's open codes before they are all burnt. */
  maxAttempts: 5,
} as const

/**
 * How much open (unanswered, unexpired) auth state one party may hold; expired state is purged by
 * the sweep (purgeExpiredAuthState). Documented in README.md of this folder.
 */
export const openLimits = {
  /** Login and registration challenges opened from one client address. Beyond: 429. */
  perAddress: 50,
  /** Login or registration challenges of one user: the oldest is dropped to make room. */
  perUser: 10,
  /** User-action challenges of one token. Beyond: 429. */
  userActionsPerToken: 100,
  /** Total payload characters of one token's open user-action challenges. Beyond: 429. */
  userActionPayloadPerToken: 16 * 1024 * 1024,
} as const
