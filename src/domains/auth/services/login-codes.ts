import { lifetimes } from '../model.ts'
import type { CodeService } from './codes.ts'
import type { AuthDeps } from './context.ts'
import { hashRegistrationCode, newRegistrationCode, registrationMail } from './users.ts'

/**
 * Codes by e-mail for logging in and for registering (codes.ts: hashed, single use, expiring,
 * compared in constant time, rate limited per user and per address). Both answer the same message
 * whether or not the user exists, so they do not tell strangers who is in an org.
 *
 * - `sendLoginCode`: a login code (10 minutes). `createLoginChallenge` with `loginCode` spends it;
 *   the challenge must still be signed by a credential of the user, so the code is a second proof
 *   (possession of the mailbox) on top of the credential, never a replacement for it.
 * - `resendRegistrationCode`: a new registration code (7 days) for a user that has not registered;
 *   the previous code stops working.
 */

const LOGIN_MESSAGE = 'If this user exists and can log in, a login code was sent to its e-mail address.'
const REGISTRATION_MESSAGE =
  'If this user exists and has not registered yet, a new registration code was sent to its e-mail address.'

export type LoginCodeService = ReturnType<typeof createLoginCodeService>

export function createLoginCodeService(
  ctx: AuthDeps<'users', 'clock' | 'mailer'>,
  { codes }: { codes: CodeService },
) {
  async function sendLoginCode(
    body: { username: string; orgId: string },
    clientAddress: string,
  ): Promise<{ message: string }> {
    await codes.mailUserCode({
      ...body,
      clientAddress,
      purpose: 'Login',
      lifetimeMs: lifetimes.loginCode,
      mail: (user, code, expiresAt) => ({
        to: user.username,
        subject: 'Your walletd login code',
        text:
          `A login of ${user.username} (org ${user.orgId}) was asked for.\n\n` +
          `Login code: ${code}\nIt expires at ${expiresAt} and can be used once.\n`,
      }),
    })
    return { message: LOGIN_MESSAGE }
  }

  async function resendRegistrationCode(
    body: { username: string; orgId: string },
    clientAddress: string,
  ): Promise<{ message: string }> {
    await codes.assertAddressMayAskForCode(clientAddress)
    const user = await ctx.repos.users.findByUsername(body.orgId, body.username)
    if (!user || user.isServiceAccount || user.isRegistered || !user.isActive || user.isArchived) {
      return { message: REGISTRATION_MESSAGE }
    }
    // The code is also recorded as a one-time code so the per-user and per-address limits count it;
    // registration itself checks the user's own (replaced) code hash.
    const { code, expiresAt } = await codes.issueUserCode({
      orgId: user.orgId,
      userId: user.id,
      purpose: 'Registration',
      lifetimeMs: lifetimes.registrationCode,
      clientAddress,
      addressChecked: true,
      make: () => {
        const fresh = newRegistrationCode()
        return { code: fresh, hash: hashRegistrationCode(fresh) }
      },
    })
    await ctx.repos.users.update(
      user.orgId,
      user.id,
      { registrationCodeHash: hashRegistrationCode(code), registrationCodeExpiresAt: expiresAt },
      ctx.clock.now(),
    )
    await ctx.mailer.send(registrationMail({ ...user, registrationCodeExpiresAt: expiresAt }, code))
    return { message: REGISTRATION_MESSAGE }
  }

  return { sendLoginCode, resendRegistrationCode }
}
