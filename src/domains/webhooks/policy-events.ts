/**
 * The policy domain announces `policy.triggered`, `policy.approval.pending` and
 * `policy.approval.resolved` on its event bus right after the change commits (src/domains/policies/
 * events.ts). This listener turns each announcement into a webhook event in a transaction of its
 * own. Unlike the wallet, key and signature events, these are therefore written just after the
 * change rather than with it: a node stopping in that instant loses the event (README).
 */
import type { Db } from '../../db/database.ts'
import { newId } from '../../ids.ts'
import type { PolicyEvent } from '../policies/events.ts'
import type { Policy } from '../policies/schemas.ts'
import type { EmitEvent } from './emit.ts'

/** The policy as the API returns it, or undefined when it cannot be read. */
export type PolicyLookup = (orgId: string, policyId: string) => Promise<Policy | undefined>

export function policyEventListener(deps: {
  db: Db
  emit: EmitEvent
  findPolicy: PolicyLookup
  now: () => Date
}) {
  return async (event: PolicyEvent): Promise<void> => {
    if (event.kind === 'policy.triggered') {
      const { evaluation } = event
      const policy = await deps.findPolicy(event.orgId, evaluation.policyId)
      const date = deps.now()
      const data = {
        policyEvaluation: {
          id: newId('policyEvaluation', date.getTime()),
          triggered: evaluation.triggered,
          reason: evaluation.reason,
          date: date.toISOString(),
          policyId: evaluation.policyId,
          ...(policy ? { policy } : {}),
          activity: { kind: event.activityKind, id: event.subjectId },
          ...(evaluation.context ? { context: evaluation.context } : {}),
          ...(event.approvalId ? { approvalId: event.approvalId } : {}),
        },
      }
      await deps.db
        .transaction()
        .execute((trx) => deps.emit(trx, { orgId: event.orgId, kind: event.kind, data }))
      return
    }
    const { approval } = event
    const data =
      event.kind === 'policy.approval.resolved'
        ? {
            approval,
            // The slimmer fields of newer Dfns payloads, beside the documented `approval`.
            activityId: approval.id,
            activityKind: approval.activity.kind,
            status: approval.status,
          }
        : { approval }
    await deps.db
      .transaction()
      .execute((trx) => deps.emit(trx, { orgId: event.orgId, kind: event.kind, data }))
  }
}
