import { AppError } from '../../../errors.ts'
import type { Caller } from '../../../http/context.ts'

/**
 * What a token may do to the identity behind it ("a token cannot become more than it is"):
 *
 * - Credentials (the keys and passkeys a user logs in and signs with) are managed only from the
 *   user's own login session. A PAT or a service-account token that could add a credential could
 *   log in with it and get a session with all of the user's permissions, outliving the PAT.
 * - PATs are managed from a login session or a service-account token, never from a PAT: a PAT
 *   that minted or re-activated PATs would outlive its own expiry and revocation.
 *
 * Refusals are 403: no body would make the request allowed with this token.
 */

const tokenLabel: Record<Caller['tokenKind'], string> = {
  Token: 'login session',
  Pat: 'personal access token',
  ServiceAccount: 'service account token',
  Temp: 'temporary registration token',
}

function refuse(caller: Caller, what: string, allowed: string): AppError {
  return new AppError(
    'forbidden',
    `${what} can only be done ${allowed}, not with a ${tokenLabel[caller.tokenKind]}.`,
    { details: { tokenKind: caller.tokenKind, reason: 'token-scope' } },
  )
}

export function requireLoginSession(caller: Caller, what: string): void {
  if (caller.tokenKind !== 'Token') throw refuse(caller, what, "from the user's own login session")
}

export function refusePat(caller: Caller, what: string): void {
  if (caller.tokenKind === 'Pat') {
    throw refuse(caller, what, 'from a login session or a service account token')
  }
}
