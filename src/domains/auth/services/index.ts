import { createAppService } from './apps.ts'
import { createAuthenticationService } from './authentication.ts'
import { createBootstrapService } from './bootstrap.ts'
import { createChallengeService } from './challenges.ts'
import { createCodeService } from './codes.ts'
import type { AuthContext } from './context.ts'
import { createCredentialCodeService } from './credential-codes.ts'
import { createCredentialService } from './credentials.ts'
import { createIssuanceService } from './issuance.ts'
import { createLoginService } from './login.ts'
import { createLoginCodeService } from './login-codes.ts'
import { createOpenLimitService } from './open-limits.ts'
import { createPatService } from './pats.ts'
import { createRecoveryService } from './recovery.ts'
import { createRegistrationService } from './registration.ts'
import { createServiceAccountService } from './service-accounts.ts'
import { createSocialService } from './social.ts'
import { createUserActionService } from './user-actions.ts'
import { createUserService } from './users.ts'
import { createViewService } from './views.ts'

export type AuthServices = ReturnType<typeof createAuthServices>

/**
 * Every auth service, built once from the context. A service that uses another is given the built
 * one, so each is built after those it uses: the wiring has no cycles.
 */
export function createAuthServices(context: AuthContext) {
  const views = createViewService(context)
  const issuance = createIssuanceService(context)
  const openLimits = createOpenLimitService(context)
  const challenges = createChallengeService(context)
  const codes = createCodeService(context)
  const credentials = createCredentialService(context, { challenges })
  const registration = createRegistrationService(context, { challenges, credentials, issuance, openLimits })
  return {
    tokens: context.tokens,
    authentication: createAuthenticationService(context),
    bootstrap: createBootstrapService(context, { issuance }),
    views,
    issuance,
    openLimits,
    challenges,
    codes,
    credentials,
    registration,
    apps: createAppService(context),
    users: createUserService(context, { views }),
    serviceAccounts: createServiceAccountService(context, { issuance, views }),
    pats: createPatService(context, { issuance, views }),
    login: createLoginService(context, { challenges, codes, issuance, openLimits }),
    loginCodes: createLoginCodeService(context, { codes }),
    recovery: createRecoveryService(context, { codes, credentials, openLimits, registration }),
    credentialCodes: createCredentialCodeService(context, { challenges, codes, credentials, openLimits }),
    social: createSocialService(context, { issuance, openLimits, registration }),
    userActions: createUserActionService(context, { challenges, openLimits }),
  }
}
