/**
 * What the policy domain tells the outside world (the webhooks domain maps these to
 * `policy.triggered`, `policy.approval.pending` and `policy.approval.resolved`). Emitted after the
 * change is committed; a failing listener never undoes or fails the policy operation.
 */
import type { ActivityKind, Approval, PolicyEvaluation } from './schemas.ts'

export type PolicyEvent =
  | {
      readonly kind: 'policy.triggered'
      readonly orgId: string
      readonly activityKind: ActivityKind
      readonly evaluation: PolicyEvaluation
      /** The governed request (`sig-…`) or change request (`cr-…`). */
      readonly subjectId: string
      readonly approvalId?: string
    }
  | { readonly kind: 'policy.approval.pending'; readonly orgId: string; readonly approval: Approval }
  | { readonly kind: 'policy.approval.resolved'; readonly orgId: string; readonly approval: Approval }

export type PolicyEventListener = (event: PolicyEvent) => void | Promise<void>

export interface ErrorLogger {
  error(details: Record<string, unknown>, message: string): void
}

/** Fans an event out to listeners; their failures are logged, never thrown. */
export class PolicyEventBus {
  private readonly listeners: PolicyEventListener[] = []
  constructor(private readonly logger: ErrorLogger | undefined) {}

  subscribe(listener: PolicyEventListener): void {
    this.listeners.push(listener)
  }

  async emit(event: PolicyEvent): Promise<void> {
    for (const listener of this.listeners) {
      try {
        await listener(event)
      } catch (err) {
        this.logger?.error({ err, event: event.kind }, 'policy event listener failed')
      }
    }
  }
}
