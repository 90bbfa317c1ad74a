import { type Static, Type } from 'typebox'
import { pageQuery } from '../../pagination.ts'
import { ChangeRequestView } from '../permissions/index.ts'
import type { ChangeRequest } from '../policies/index.ts'

/**
 * Request and response schemas of the auth routes, shaped as SDK 0.8.21's `generated/auth/types`.
 * They validate input (every string bounded), type the handlers, describe OpenAPI and serialize
 * responses (fields not declared here never leave the server).
 */

const Id = Type.String({ minLength: 1, maxLength: 64 })
const Name = Type.String({ minLength: 1, maxLength: 200 })
const ExternalId = Type.String({ minLength: 1, maxLength: 200 })
const B64 = Type.String({ maxLength: 16_384 })
const Pem = Type.String({ minLength: 1, maxLength: 8_192 })
const CredentialKind = Type.Enum(['Fido2', 'Key', 'PasswordProtectedKey', 'Password', 'Totp', 'RecoveryKey'])
const UserKind = Type.Enum(['DfnsStaff', 'AccountUser', 'CustomerEmployee', 'EndUser'])
const TokenKind = Type.Enum(['Pat', 'ServiceAccount', 'Token', 'Code', 'Recovery', 'Temp', 'Application'])

// --- shared objects ------------------------------------------------------------------------------
export const PermissionAssignmentView = Type.Object({
  permissionName: Type.String(),
  permissionId: Type.String(),
  assignmentId: Type.String(),
  operations: Type.Array(Type.String()),
})

const userFields = {
  username: Type.String(),
  name: Type.String(),
  userId: Type.String(),
  kind: UserKind,
  credentialUuid: Type.String(),
  orgId: Type.String(),
  permissions: Type.Array(Type.String()),
  isActive: Type.Boolean(),
  isServiceAccount: Type.Boolean(),
  isRegistered: Type.Boolean(),
  permissionAssignments: Type.Array(PermissionAssignmentView),
}
export const UserView = Type.Object({
  ...userFields,
  isSSORequired: Type.Boolean(),
  externalId: Type.Optional(Type.String()),
})
export type UserView = Static<typeof UserView>

export const AccessTokenView = Type.Object({
  accessToken: Type.Optional(Type.String()),
  dateCreated: Type.String(),
  credId: Type.String(),
  isActive: Type.Boolean(),
  kind: TokenKind,
  linkedUserId: Type.String(),
  linkedAppId: Type.String(),
  name: Type.String(),
  orgId: Type.String(),
  permissionAssignments: Type.Array(PermissionAssignmentView),
  publicKey: Type.String(),
  tokenId: Type.String(),
  externalId: Type.Optional(Type.String()),
  expiresAt: Type.Optional(Type.String()),
})
export type AccessTokenView = Static<typeof AccessTokenView>

export const ServiceAccountView = Type.Object({
  userInfo: Type.Object({ ...userFields, externalId: Type.Optional(Type.String()) }),
  accessTokens: Type.Array(AccessTokenView),
})
export type ServiceAccountView = Static<typeof ServiceAccountView>

/**
 * 202 of a creation whose `permissionId` waits for a `Permissions:Assign` approval: the identity
 * exists (with its one-time access token) and holds nothing until the change request is applied.
 */
export const ServiceAccountPendingView = Type.Object({
  ...ServiceAccountView.properties,
  pendingChangeRequest: ChangeRequestView,
})
export const AccessTokenPendingView = Type.Object({
  ...AccessTokenView.properties,
  pendingChangeRequest: ChangeRequestView,
})
/** What creating a service account or PAT yields: the view, and the change request it waits on. */
export interface Created<T> {
  readonly view: T
  readonly pendingChangeRequest?: ChangeRequest | undefined
}

export const CredentialView = Type.Object({
  kind: CredentialKind,
  credentialId: Type.String(),
  credentialUuid: Type.String(),
  dateCreated: Type.String(),
  isActive: Type.Boolean(),
  name: Type.String(),
  publicKey: Type.String(),
  relyingPartyId: Type.String(),
  origin: Type.String(),
})
export type CredentialView = Static<typeof CredentialView>

export const AppView = Type.Object({
  appId: Type.String(),
  kind: Type.Union([Type.Literal('ServerSideApplication'), Type.Literal('ClientSideApplication')]),
  orgId: Type.String(),
  name: Type.String(),
  isActive: Type.Boolean(),
  permissionAssignments: Type.Array(PermissionAssignmentView),
  accessTokens: Type.Array(AccessTokenView),
})
export type AppView = Static<typeof AppView>

export const MessageView = Type.Object({ message: Type.String() })

const PublicKeyCredential = Type.Object({ type: Type.Literal('public-key'), id: Type.String() })

export const ChallengeView = Type.Object({
  challenge: Type.String(),
  challengeIdentifier: Type.String(),
  supportedCredentialKinds: Type.Array(
    Type.Object({
      kind: CredentialKind,
      factor: Type.Union([Type.Literal('first'), Type.Literal('second'), Type.Literal('either')]),
      requiresSecondFactor: Type.Boolean(),
    }),
  ),
  userVerification: Type.Union([
    Type.Literal('required'),
    Type.Literal('preferred'),
    Type.Literal('discouraged'),
  ]),
  attestation: Type.Union([
    Type.Literal('none'),
    Type.Literal('indirect'),
    Type.Literal('direct'),
    Type.Literal('enterprise'),
  ]),
  allowCredentials: Type.Object({
    key: Type.Array(PublicKeyCredential),
    passwordProtectedKey: Type.Array(
      Type.Object({
        type: Type.Literal('public-key'),
        id: Type.String(),
        encryptedPrivateKey: Type.String(),
      }),
    ),
    webauthn: Type.Array(PublicKeyCredential),
  }),
  externalAuthenticationUrl: Type.String(),
  rp: Type.Object({ id: Type.String(), name: Type.String() }),
})
export type ChallengeView = Static<typeof ChallengeView>

const PubKeyCredParams = Type.Array(Type.Object({ type: Type.Literal('public-key'), alg: Type.Integer() }))
const AuthenticatorSelection = Type.Object({
  authenticatorAttachment: Type.Optional(Type.String()),
  residentKey: Type.String(),
  requireResidentKey: Type.Boolean(),
  userVerification: Type.String(),
})

export const RegistrationChallengeView = Type.Object({
  user: Type.Object({ id: Type.String(), displayName: Type.String(), name: Type.String() }),
  temporaryAuthenticationToken: Type.String(),
  challenge: Type.String(),
  rp: Type.Object({ id: Type.String(), name: Type.String() }),
  supportedCredentialKinds: Type.Object({
    firstFactor: Type.Array(CredentialKind),
    secondFactor: Type.Array(CredentialKind),
  }),
  authenticatorSelection: AuthenticatorSelection,
  attestation: Type.String(),
  pubKeyCredParams: PubKeyCredParams,
  excludeCredentials: Type.Array(PublicKeyCredential),
  otpUrl: Type.String(),
})
export type RegistrationChallengeView = Static<typeof RegistrationChallengeView>

export const CredentialChallengeView = Type.Object({
  kind: CredentialKind,
  user: Type.Object({ id: Type.String(), displayName: Type.String(), name: Type.String() }),
  challengeIdentifier: Type.String(),
  challenge: Type.String(),
  rp: Type.Object({ id: Type.String(), name: Type.String() }),
  authenticatorSelection: Type.Optional(AuthenticatorSelection),
  attestation: Type.String(),
  pubKeyCredParams: PubKeyCredParams,
  excludeCredentials: Type.Optional(Type.Array(PublicKeyCredential)),
  temporaryAuthenticationToken: Type.String(),
})
export type CredentialChallengeView = Static<typeof CredentialChallengeView>

export const RegistrationView = Type.Object({
  credential: Type.Object({ uuid: Type.String(), kind: CredentialKind, name: Type.String() }),
  user: Type.Object({ id: Type.String(), username: Type.String(), orgId: Type.String() }),
})

export const AuditLogView = Type.Object({
  id: Type.String(),
  action: Type.String(),
  actionToken: Type.String(),
  userId: Type.Union([Type.String(), Type.Null()]),
  username: Type.Union([Type.String(), Type.Null()]),
  datePerformed: Type.Union([Type.String(), Type.Null()]),
  firstFactorCredential: Type.Object({
    id: Type.String(),
    kind: Type.Union([CredentialKind, Type.Null()]),
    publicKey: Type.String(),
    assertion: Type.Union([
      Type.Object({
        authenticatorData: Type.Union([Type.String(), Type.Null()]),
        clientData: Type.String(),
        signature: Type.String(),
      }),
      Type.Null(),
    ]),
  }),
})
export type AuditLogView = Static<typeof AuditLogView>

// --- request bodies ------------------------------------------------------------------------------
export const CredentialInfo = Type.Object({
  credId: Type.String({ minLength: 1, maxLength: 1024 }),
  clientData: B64,
  attestationData: Type.String({ maxLength: 65_536 }),
})

/** A credential being registered; Password and Totp are refused by the service with a clear 400. */
export const NewCredential = Type.Object({
  credentialKind: CredentialKind,
  credentialInfo: Type.Union([
    CredentialInfo,
    Type.Object({ password: Type.String({ maxLength: 1024 }) }),
    Type.Object({ otpCode: Type.String({ maxLength: 64 }) }),
  ]),
  credentialName: Type.Optional(Type.String({ maxLength: 200 })),
  encryptedPrivateKey: Type.Optional(Type.String({ maxLength: 16_384 })),
})
export type NewCredential = Static<typeof NewCredential>

export const Assertion = Type.Object({
  kind: CredentialKind,
  credentialAssertion: Type.Optional(
    Type.Object({
      credId: Type.String({ minLength: 1, maxLength: 1024 }),
      clientData: B64,
      signature: Type.String({ maxLength: 2048 }),
      algorithm: Type.Optional(Type.String({ maxLength: 32 })),
      authenticatorData: Type.Optional(Type.String({ maxLength: 4096 })),
      userHandle: Type.Optional(Type.String({ maxLength: 512 })),
    }),
  ),
  password: Type.Optional(Type.String({ maxLength: 1024 })),
  otpCode: Type.Optional(Type.String({ maxLength: 64 })),
})
export type Assertion = Static<typeof Assertion>

export const SignChallengeBody = Type.Object({
  challengeIdentifier: Type.String({ minLength: 1, maxLength: 200 }),
  firstFactor: Assertion,
  secondFactor: Type.Optional(Assertion),
})
export type SignChallengeBody = Static<typeof SignChallengeBody>

export const UserActionInitBody = Type.Object({
  userActionPayload: Type.String({ maxLength: 1_048_576 }),
  userActionHttpMethod: Type.Enum(['POST', 'PUT', 'DELETE', 'GET']),
  userActionHttpPath: Type.String({ minLength: 1, maxLength: 2048, pattern: '^/' }),
  userActionServerKind: Type.Optional(Type.Union([Type.Literal('Api'), Type.Literal('Staff')])),
})
export type UserActionInitBody = Static<typeof UserActionInitBody>

export const LoginInitBody = Type.Object({
  username: Type.String({ minLength: 1, maxLength: 320 }),
  orgId: Id,
  loginCode: Type.Optional(Type.String({ maxLength: 64 })),
})

export const LogoutBody = Type.Object({ allSessions: Type.Optional(Type.Boolean()) })

export const DelegatedLoginBody = Type.Object({ username: Type.String({ minLength: 1, maxLength: 320 }) })

export const RegistrationInitBody = Type.Object({
  orgId: Id,
  username: Type.String({ minLength: 1, maxLength: 320 }),
  registrationCode: Type.String({ minLength: 1, maxLength: 64 }),
})

export const RegisterBody = Type.Object({
  firstFactorCredential: NewCredential,
  secondFactorCredential: Type.Optional(NewCredential),
  recoveryCredential: Type.Optional(NewCredential),
})
export type RegisterBody = Static<typeof RegisterBody>

export const RegisterEndUserBody = Type.Object({
  firstFactorCredential: NewCredential,
  secondFactorCredential: Type.Optional(NewCredential),
  recoveryCredential: Type.Optional(NewCredential),
  wallets: Type.Array(Type.Object({ network: Type.String({ maxLength: 64 }), name: Type.Optional(Name) }), {
    maxItems: 20,
  }),
})
export type RegisterEndUserBody = Static<typeof RegisterEndUserBody>

export const DelegatedRegistrationBody = Type.Object({
  email: Type.String({ minLength: 3, maxLength: 320 }),
  kind: Type.Literal('EndUser'),
  externalId: Type.Optional(ExternalId),
})

export const CreateUserBody = Type.Object({
  email: Type.String({ minLength: 3, maxLength: 320, format: 'email' }),
  kind: Type.Union([Type.Literal('CustomerEmployee'), Type.Literal('DfnsStaff')]),
  publicKey: Type.Optional(Pem),
  externalId: Type.Optional(ExternalId),
  isSSORequired: Type.Optional(Type.Boolean()),
})
export type CreateUserBody = Static<typeof CreateUserBody>

/** `registrationCode` is walletd's addition (there is no mail server): hand it to the new user. */
export const CreatedUserView = Type.Object({
  ...UserView.properties,
  registrationCode: Type.Optional(Type.String()),
})

export const UpdateUserBody = Type.Object({ isSSORequired: Type.Boolean() })

export const ListUsersQuery = pageQuery({
  kind: Type.Optional(Type.Union([Type.Literal('CustomerEmployee'), Type.Literal('EndUser')])),
})

const DaysValid = Type.Integer({ minimum: 1, maximum: 730 })
export const CreateServiceAccountBody = Type.Object({
  name: Name,
  publicKey: Pem,
  permissionId: Type.Optional(Id),
  externalId: Type.Optional(ExternalId),
  daysValid: Type.Optional(DaysValid),
})
export type CreateServiceAccountBody = Static<typeof CreateServiceAccountBody>

export const CreatePatBody = Type.Object({
  name: Name,
  publicKey: Pem,
  permissionId: Type.Optional(Id),
  externalId: Type.Optional(ExternalId),
  daysValid: Type.Optional(DaysValid),
  secondsValid: Type.Optional(Type.Integer({ minimum: 1, maximum: 730 * 86_400 })),
})
export type CreatePatBody = Static<typeof CreatePatBody>

export const UpdateTokenBody = Type.Object({
  name: Type.Optional(Name),
  externalId: Type.Optional(ExternalId),
})

export const DeactivateServiceAccountBody = Type.Object({ force: Type.Optional(Type.Boolean()) })
export const ForceQuery = Type.Object({ force: Type.Optional(Type.Boolean()) })

export const CredentialInitBody = Type.Object({ kind: CredentialKind })

export const CreateCredentialBody = Type.Object({
  ...NewCredential.properties,
  credentialName: Type.String({ minLength: 1, maxLength: 200 }),
  challengeIdentifier: Type.String({ minLength: 1, maxLength: 200 }),
})
export type CreateCredentialBody = Static<typeof CreateCredentialBody>

export const CredentialUuidBody = Type.Object({ credentialUuid: Id })

export const AuditLogsQuery = Type.Object({
  startTime: Type.Optional(Type.String({ maxLength: 40 })),
  endTime: Type.Optional(Type.String({ maxLength: 40 })),
  userId: Type.Optional(Id),
})

export const params = {
  userId: Type.Object({ userId: Id }),
  serviceAccountId: Type.Object({ serviceAccountId: Id }),
  tokenId: Type.Object({ tokenId: Id }),
  appId: Type.Object({ appId: Id }),
  logId: Type.Object({ logId: Id }),
}
