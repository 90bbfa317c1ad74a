export { Mailbox, type MailboxMessage, type MailDelivery } from './mailbox.ts'
export {
  createMailer,
  type Mailer,
  type MailLogger,
  type MailMessage,
  type MailReceipt,
  type MailTransport,
  stderrMailLogger,
} from './mailer.ts'
export { createSmtpTransport } from './smtp.ts'

import type { Clock } from '../clock.ts'
import type { Config } from '../config.ts'
import { createMailer, type Mailer, stderrMailLogger } from './mailer.ts'
import { createSmtpTransport } from './smtp.ts'

/** The mailer of a command run outside the server (no mailbox, log lines on stderr). */
export function commandMailer(config: Pick<Config, 'smtpUrl' | 'mailFrom'>, clock: Clock): Mailer {
  return createMailer({
    clock,
    logger: stderrMailLogger,
    transport: config.smtpUrl ? createSmtpTransport(config.smtpUrl) : undefined,
    from: config.mailFrom,
    mailbox: undefined,
  })
}
