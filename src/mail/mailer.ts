import type { Clock } from '../clock.ts'
import { newId } from '../ids.ts'
import type { Mailbox, MailDelivery } from './mailbox.ts'

export interface MailMessage {
  readonly to: string
  readonly subject: string
  readonly text: string
}

/** What happened to a message: sent over SMTP, not sent (no SMTP configured) or SMTP refused it. */
export interface MailReceipt {
  readonly id: string
  readonly delivery: MailDelivery
}

/**
 * Every e-mail walletd sends goes through here (registration codes; login and recovery codes).
 * `send` never throws for a delivery problem: the caller's operation has happened and must not be
 * reported as failed because a mail server is down. The receipt says what happened and the log
 * says why; the message text (which carries codes) is never logged.
 */
export interface Mailer {
  send(message: MailMessage): Promise<MailReceipt>
}

/** The part of a nodemailer transport walletd uses; an SMTP server in tests, never a stub. */
export interface MailTransport {
  sendMail(mail: { from: string; to: string; subject: string; text: string }): Promise<unknown>
  close(): void
}

/** The two log levels the mailer uses (a pino logger has them). */
export interface MailLogger {
  info(facts: object, message: string): void
  error(facts: object, message: string): void
}

/** For commands that run without the server's logger: one JSON line per event on stderr. */
export const stderrMailLogger: MailLogger = {
  info: (facts, msg) => process.stderr.write(`${JSON.stringify({ level: 'info', ...facts, msg })}\n`),
  error: (facts, msg) => process.stderr.write(`${JSON.stringify({ level: 'error', ...facts, msg })}\n`),
}

export interface MailerDeps {
  readonly clock: Clock
  readonly logger: MailLogger
  /** The SMTP transport, when one is configured. */
  readonly transport: MailTransport | undefined
  readonly from: string
  /** The emulator's mailbox (development profile); production keeps no copy. */
  readonly mailbox: Mailbox | undefined
}

export function createMailer(deps: MailerDeps): Mailer {
  return {
    async send(message) {
      const now = deps.clock.now()
      const id = newId('mail', now.getTime())
      const facts = { mailId: id, to: message.to, subject: message.subject }
      let delivery: MailDelivery = 'not-sent'
      if (deps.transport) {
        try {
          await deps.transport.sendMail({ from: deps.from, ...message })
          delivery = 'sent'
        } catch (err) {
          delivery = 'failed'
          // The SMTP error names the server and its answer, never the message body.
          deps.logger.error({ ...facts, err: { message: (err as Error).message } }, 'mail could not be sent')
        }
      } else {
        deps.logger.info(
          facts,
          deps.mailbox
            ? 'mail not sent (no SMTP configured); it is in the emulator mailbox: GET /emulator/mailbox'
            : 'mail not sent: no SMTP configured (WALLETD_SMTP_URL)',
        )
      }
      deps.mailbox?.keep({ id, ...message, from: deps.from, date: now.toISOString(), delivery })
      return { id, delivery }
    },
  }
}
