export type MailDelivery = 'sent' | 'not-sent' | 'failed'

export interface MailboxMessage {
  readonly id: string
  readonly from: string
  readonly to: string
  readonly subject: string
  readonly text: string
  /** When walletd sent it, by walletd's clock. */
  readonly date: string
  readonly delivery: MailDelivery
}

/**
 * The emulator's mailbox: every message walletd sent, newest last, so tests and a developer can
 * read the codes walletd mailed. In memory, per process, and bounded: past `capacity` the oldest
 * are dropped. Development profile only (it holds codes in clear).
 */
export class Mailbox {
  readonly #messages: MailboxMessage[] = []
  readonly #capacity: number

  constructor(capacity = 1000) {
    this.#capacity = capacity
  }

  keep(message: MailboxMessage): void {
    this.#messages.push(message)
    if (this.#messages.length > this.#capacity)
      this.#messages.splice(0, this.#messages.length - this.#capacity)
  }

  /** Newest first; `to` matches case-insensitively (e-mail addresses are compared that way). */
  list(filter: { to?: string | undefined; limit?: number | undefined } = {}): MailboxMessage[] {
    const to = filter.to?.toLowerCase()
    const out: MailboxMessage[] = []
    for (let i = this.#messages.length - 1; i >= 0 && out.length < (filter.limit ?? this.#capacity); i--) {
      const m = this.#messages[i]!
      if (to === undefined || m.to.toLowerCase() === to) out.push(m)
    }
    return out
  }

  clear(): void {
    this.#messages.length = 0
  }

  /** For snapshots: the messages as they are now, and putting them back. */
  copy(): MailboxMessage[] {
    return [...this.#messages]
  }
  restore(messages: readonly MailboxMessage[]): void {
    this.#messages.splice(0, this.#messages.length, ...messages)
  }
}
