/**
 * Change requests: a permission update/archive, an assignment create/delete or
 * a policy update/archive that a `Permissions:Modify`, `Permissions:Assign` or `Policies:Modify`
 * policy holds for approval. The owning domain asks `submitChange` first:
 *   - `{ outcome: 'Apply' }`   no policy triggered: apply the change now and answer 200;
 *   - `{ outcome: 'Pending' }` answer 202 with `changeRequest` as the body; the registered applier
 *     runs once the approval is Approved (→ Applied, or Failed if it throws); Denied/Expired →
 *     Rejected and nothing is applied;
 *   - a Block policy → AppError 403 (the change is refused outright).
 */
import type { Kysely } from 'kysely'
import type { Clock } from '../../clock.ts'
import type { Database } from '../../db/schema.ts'
import { AppError } from '../../errors.ts'
import { newId } from '../../ids.ts'
import type { ChangeActivity, Initiator } from './activity.ts'
import type { ApprovalRecord } from './approval-repository.ts'
import type { ApprovalService } from './approval-service.ts'
import { createChangeRequestRepository, pendingConflict } from './change-request-repository.ts'
import { evaluatePolicies } from './engine.ts'
import type { AnnounceTriggered, ErrorLogger } from './events.ts'
import type { PolicyRepository } from './repository.ts'
import type { ChangeOperationKind, ChangeRequest, ChangeRequestKind, PolicyEvaluation } from './schemas.ts'

/** Applies an approved change. Throwing marks the change request Failed. Must be idempotent. */
export type ChangeApplier = (changeRequest: ChangeRequest, orgId: string) => Promise<void>

export interface SubmitChangeInput {
  readonly orgId: string
  readonly initiator: Initiator
  readonly kind: ChangeRequestKind
  readonly operationKind: ChangeOperationKind
  /** The permission, assignment (for Create: the id the assignment will get) or policy. */
  readonly entityId: string
  /** The entity as it will look once applied. */
  readonly body: Record<string, unknown>
  /** For `filters.permissionId` (permissions and assignments). */
  readonly permissionId?: string
  /**
   * What "the same change" means for the 409: defaults to the entity id. An assignment Create has
   * a fresh id, so pass e.g. `${permissionId}/${identityId}`.
   */
  readonly conflictKey?: string
}

export type SubmitChangeResult =
  | { readonly outcome: 'Apply'; readonly evaluations: PolicyEvaluation[] }
  | { readonly outcome: 'Pending'; readonly changeRequest: ChangeRequest }

const activityKindOf = {
  Permission: 'Permissions:Modify',
  Assignment: 'Permissions:Assign',
  Policy: 'Policies:Modify',
} as const satisfies Record<ChangeRequestKind, ChangeActivity['kind']>

const validCombinations: Record<ChangeRequestKind, readonly ChangeOperationKind[]> = {
  Permission: ['Update'],
  Assignment: ['Create', 'Delete'],
  Policy: ['Update'],
}

export interface ChangeRequestServiceDeps {
  readonly db: Kysely<Database>
  readonly clock: Clock
  readonly policies: PolicyRepository
  readonly approvals: ApprovalService
  /** Writes `policy.triggered` in the transaction of the change it describes. */
  readonly announceTriggered: AnnounceTriggered
  readonly logger?: ErrorLogger
}

export type ChangeRequestService = ReturnType<typeof createChangeRequestService>

export function createChangeRequestService(deps: ChangeRequestServiceDeps) {
  const repo = createChangeRequestRepository(deps.db)
  const appliers = new Map<ChangeRequestKind, ChangeApplier>()

  async function onApprovalResolved(approval: ApprovalRecord): Promise<void> {
    const changeRequest = await repo.byApproval(approval.id)
    if (changeRequest?.status !== 'Pending') return
    const now = () => deps.clock.now().toISOString()
    if (approval.status !== 'Approved') {
      await repo.resolve(changeRequest.id, 'Rejected', now())
      return
    }
    const applier = appliers.get(changeRequest.kind)
    if (!applier) {
      // Leave it Pending: the approval is re-dispatched once the owning domain registers.
      throw new Error(`no applier registered for ${changeRequest.kind} change requests`)
    }
    try {
      await applier(changeRequest, approval.orgId)
    } catch (err) {
      deps.logger?.error({ err, changeRequestId: changeRequest.id }, 'approved change could not be applied')
      await repo.resolve(changeRequest.id, 'Failed', now())
      return
    }
    await repo.resolve(changeRequest.id, 'Applied', now())
  }

  for (const kind of Object.values(activityKindOf)) deps.approvals.onResolved(kind, onApprovalResolved)

  return {
    /** The owning domain plugs in how an approved change is applied. */
    registerApplier(kind: ChangeRequestKind, applier: ChangeApplier): void {
      appliers.set(kind, applier)
    },

    async submitChange(input: SubmitChangeInput): Promise<SubmitChangeResult> {
      if (!validCombinations[input.kind].includes(input.operationKind)) {
        throw new Error(`${input.kind}/${input.operationKind} is not a change request the API knows`)
      }
      const conflictKey = input.conflictKey ?? input.entityId
      if (await repo.isPending(input.orgId, conflictKey)) throw pendingConflict(input.entityId)

      const now = deps.clock.now()
      const changeRequest: ChangeRequest = {
        id: newId('changeRequest', now.getTime()),
        kind: input.kind,
        operationKind: input.operationKind,
        status: 'Pending',
        requester: {
          userId: input.initiator.userId,
          ...(input.initiator.tokenId ? { tokenId: input.initiator.tokenId } : {}),
          ...(input.initiator.appId ? { appId: input.initiator.appId } : {}),
        },
        entityId: input.entityId,
        approvalId: newId('approval', now.getTime()),
        dateCreated: now.toISOString(),
        body: input.body,
      }
      const activityKind = activityKindOf[input.kind]
      const activity: ChangeActivity = {
        kind: activityKind,
        orgId: input.orgId,
        initiator: input.initiator,
        changeRequest,
        ...(input.permissionId ? { permissionId: input.permissionId } : {}),
        ...(input.kind === 'Policy' ? { policyId: input.entityId } : {}),
      }
      const policies = await deps.policies.listActive(input.orgId, activityKind)
      const outcome = await evaluatePolicies(policies, {
        activity,
        usdValue: undefined,
        window: () => Promise.reject(new Error('change activities have no velocity window')),
      })
      const triggered = {
        orgId: input.orgId,
        activityKind,
        subjectId: changeRequest.id,
        evaluations: outcome.evaluations,
      }

      if (outcome.kind === 'Block') {
        // The refusal is the change: nothing else is written.
        await deps.db.transaction().execute((trx) => deps.announceTriggered(triggered, trx))
        throw new AppError(
          'forbidden',
          `${activityKind} on ${input.entityId} is blocked by policy. ${outcome.reason}`,
          {
            details: { entityId: input.entityId, policyIds: outcome.blockingPolicyIds },
          },
        )
      }
      if (outcome.kind === 'Allow') return { outcome: 'Apply', evaluations: outcome.evaluations }

      await deps.db.transaction().execute(async (trx) => {
        await repo.insertPending(input.orgId, changeRequest, conflictKey, trx)
        const record = await deps.approvals.open(
          {
            id: changeRequest.approvalId,
            orgId: input.orgId,
            initiator: input.initiator,
            activity: { kind: activityKind, changeRequest },
            evaluations: outcome.evaluations,
            groups: outcome.groups,
            expiresInMinutes: outcome.expiresInMinutes,
          },
          trx,
        )
        await deps.announceTriggered({ ...triggered, approvalId: record.id }, trx)
        await deps.approvals.announce(record, trx)
      })
      return { outcome: 'Pending', changeRequest }
    },

    async get(orgId: string, id: string): Promise<ChangeRequest | undefined> {
      return repo.get(orgId, id)
    },

    /** The pending change of an entity, for `pendingChangeRequest` on GET. */
    async pendingFor(orgId: string, entityId: string): Promise<ChangeRequest | undefined> {
      return (await repo.pendingFor(orgId, [entityId])).get(entityId)
    },

    /** The pending changes of a page of entities, in one query. */
    pendingForMany(orgId: string, entityIds: readonly string[]): Promise<Map<string, ChangeRequest>> {
      return repo.pendingFor(orgId, entityIds)
    },
  }
}
