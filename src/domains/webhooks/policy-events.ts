/**
 * `policy.triggered`, `policy.approval.pending` and `policy.approval.resolved`: the policy domain
 * hands each to this sink inside the transaction of the change it describes (src/domains/policies/
 * events.ts), and it is written there with `emitEvent`, like the wallet, key and signature events:
 * a rolled-back change emits nothing.
 */
import type { Kysely } from 'kysely'
import type { Database } from '../../db/schema.ts'
import { newId } from '../../ids.ts'
import type { PolicyEvent, PolicyEventSink } from '../policies/index.ts'
import type { EmitEvent } from './emit.ts'

export function policyEventWriter(deps: { emit: EmitEvent; now: () => Date }): PolicyEventSink {
  return async (event: PolicyEvent, trx: Kysely<Database>): Promise<void> => {
    if (event.kind === 'policy.triggered') {
      const { evaluation, policy } = event
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
      await deps.emit({ orgId: event.orgId, kind: event.kind, data }, trx)
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
    await deps.emit({ orgId: event.orgId, kind: event.kind, data }, trx)
  }
}
