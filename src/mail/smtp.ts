import type { MailTransport } from './mailer.ts'

/**
 * An SMTP transport from a URL (`smtp://user:pass@host:587`, `smtps://…:465`), through nodemailer.
 * nodemailer is loaded on the first message, not at start-up: most deployments of the development
 * profile never send one.
 */
export function createSmtpTransport(url: string): MailTransport {
  let transport: Promise<{ sendMail(m: object): Promise<unknown>; close(): void }> | undefined
  const get = () => {
    transport ??= import('nodemailer').then((nodemailer) =>
      // A mail server that does not answer must not hold a request for minutes.
      nodemailer.default.createTransport({
        url,
        connectionTimeout: 10_000,
        greetingTimeout: 10_000,
        socketTimeout: 20_000,
      } as Parameters<typeof nodemailer.default.createTransport>[0]),
    )
    return transport
  }
  return {
    async sendMail(mail) {
      return (await get()).sendMail(mail)
    },
    close() {
      void transport?.then((t) => t.close())
    },
  }
}
