/**
 * What the policy domain tells the outside world: `policy.triggered`, `policy.approval.pending`
 * and `policy.approval.resolved` (the webhooks domain turns them into webhook events). Each is
 * handed to the sink **inside the transaction of the change it describes**: a change that rolls
 * back announces nothing, and a sink that fails rolls the change back.
 */
import type { Kysely } from 'kysely'
import type { Database } from '../../db/schema.ts'
import type { ChangeRequestRepository } from './change-request-repository.ts'
import type { ActivityKind } from './policy-body.ts'
import type { PolicyRepository } from './repository.ts'
import type { Approval, Policy, PolicyEvaluation } from './schemas.ts'

export type PolicyEvent =
  | {
      readonly kind: 'policy.triggered'
      readonly orgId: string
      readonly activityKind: ActivityKind
      readonly evaluation: PolicyEvaluation
      /** The triggered policy as the API shows it, read in the same transaction. */
      readonly policy?: Policy
      /** The governed request (`sig-…`) or change request (`cr-…`). */
      readonly subjectId: string
      readonly approvalId?: string
    }
  | { readonly kind: 'policy.approval.pending'; readonly orgId: string; readonly approval: Approval }
  | { readonly kind: 'policy.approval.resolved'; readonly orgId: string; readonly approval: Approval }

/** Writes an event with the change: `trx` is the change's transaction. */
export type PolicyEventSink = (event: PolicyEvent, trx: Kysely<Database>) => Promise<void>

export interface ErrorLogger {
  error(details: Record<string, unknown>, message: string): void
}

/** `policy.triggered` for each triggered evaluation of one request or change request. */
export function createTriggerAnnouncer(deps: {
  sink: PolicyEventSink | undefined
  policies: PolicyRepository
  changeRequests: ChangeRequestRepository
}) {
  return async function announceTriggered(
    subject: {
      orgId: string
      activityKind: ActivityKind
      subjectId: string
      evaluations: readonly PolicyEvaluation[]
      approvalId?: string
    },
    trx: Kysely<Database>,
  ): Promise<void> {
    if (!deps.sink) return
    for (const evaluation of subject.evaluations.filter((e) => e.triggered)) {
      const policy = await deps.policies.get(subject.orgId, evaluation.policyId, trx)
      const pending = policy
        ? (await deps.changeRequests.pendingFor(subject.orgId, [policy.id], trx)).get(policy.id)
        : undefined
      await deps.sink(
        {
          kind: 'policy.triggered',
          orgId: subject.orgId,
          activityKind: subject.activityKind,
          evaluation,
          ...(policy ? { policy: pending ? { ...policy, pendingChangeRequest: pending } : policy } : {}),
          subjectId: subject.subjectId,
          ...(subject.approvalId ? { approvalId: subject.approvalId } : {}),
        },
        trx,
      )
    }
  }
}

export type AnnounceTriggered = ReturnType<typeof createTriggerAnnouncer>
