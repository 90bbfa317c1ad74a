import { type Static, Type } from 'typebox'
import { CredentialInfo, NewCredential, RegistrationChallengeView } from './schemas.ts'

/**
 * Schemas of the recovery, code, social and single sign-on flows, shaped as SDK 0.8.21's
 * `generated/auth/types` (the rest of the auth schemas are in schemas.ts).
 */

const Id = Type.String({ minLength: 1, maxLength: 64 })
const Username = Type.String({ minLength: 1, maxLength: 320 })
const Code = Type.String({ minLength: 1, maxLength: 64 })

export const UsernameOrgBody = Type.Object({ username: Username, orgId: Id })

// --- recovery ------------------------------------------------------------------------------------
export const RecoveryInitBody = Type.Object({
  username: Username,
  verificationCode: Code,
  orgId: Id,
  credentialId: Type.String({ minLength: 1, maxLength: 1024 }),
})

export const DelegatedRecoveryBody = Type.Object({
  username: Username,
  credentialId: Type.String({ minLength: 1, maxLength: 1024 }),
})

export const RecoveryChallengeView = Type.Object({
  ...RegistrationChallengeView.properties,
  allowedRecoveryCredentials: Type.Array(
    Type.Object({ id: Type.String(), encryptedRecoveryKey: Type.String() }),
  ),
})
export type RecoveryChallengeView = Static<typeof RecoveryChallengeView>

export const RecoverBody = Type.Object({
  recovery: Type.Object({
    kind: Type.Literal('RecoveryKey'),
    credentialAssertion: Type.Object({
      credId: Type.String({ minLength: 1, maxLength: 1024 }),
      clientData: Type.String({ maxLength: 16_384 }),
      signature: Type.String({ maxLength: 2048 }),
      algorithm: Type.Optional(Type.String({ maxLength: 32 })),
    }),
  }),
  newCredentials: Type.Object({
    firstFactorCredential: NewCredential,
    secondFactorCredential: Type.Optional(NewCredential),
    recoveryCredential: Type.Optional(NewCredential),
  }),
})
export type RecoverBody = Static<typeof RecoverBody>

// --- credential codes ----------------------------------------------------------------------------
export const CredentialCodeBody = Type.Object({
  expiration: Type.Union([Type.String({ minLength: 1, maxLength: 40 }), Type.Number()]),
})
export const CredentialCodeView = Type.Object({ code: Type.String(), expiration: Type.String() })

export const CredentialCodeInitBody = Type.Object({
  credentialKind: Type.Enum(['Fido2', 'Key', 'PasswordProtectedKey', 'Password', 'Totp', 'RecoveryKey']),
  code: Code,
})

export const CreateCredentialWithCodeBody = Type.Object({
  credentialKind: Type.Enum(['Fido2', 'Key', 'PasswordProtectedKey', 'Password', 'Totp', 'RecoveryKey']),
  credentialInfo: Type.Union([
    CredentialInfo,
    Type.Object({ password: Type.String({ maxLength: 1024 }) }),
    Type.Object({ otpCode: Type.String({ maxLength: 64 }) }),
  ]),
  credentialName: Type.String({ minLength: 1, maxLength: 200 }),
  challengeIdentifier: Type.String({ minLength: 1, maxLength: 200 }),
  encryptedPrivateKey: Type.Optional(Type.String({ maxLength: 16_384 })),
})
export type CreateCredentialWithCodeBody = Static<typeof CreateCredentialWithCodeBody>

// --- social and single sign-on -------------------------------------------------------------------
export const SocialBody = Type.Object({
  orgId: Type.Optional(Id),
  socialLoginProviderKind: Type.Literal('Oidc'),
  idToken: Type.String({ minLength: 1, maxLength: 16_384 }),
})
export type SocialBody = Static<typeof SocialBody>

export const SsoInitBody = Type.Object({
  orgId: Id,
  clientId: Type.String({ minLength: 1, maxLength: 512 }),
  redirectUri: Type.String({ minLength: 1, maxLength: 2048 }),
})
export const SsoInitView = Type.Object({ ssoRedirectUrl: Type.String() })

export const SsoLoginBody = Type.Object({
  code: Type.String({ minLength: 1, maxLength: 4096 }),
  state: Type.String({ minLength: 1, maxLength: 512 }),
})
