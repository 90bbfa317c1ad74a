/**
 * What a new identity (service account, PAT) may be given when it is created. The rule, in the
 * README of this folder: a `permissionId` at creation is decided exactly as a direct assignment
 * (`POST /permissions/:id/assignments`) would be; without one, the new identity gets only what its
 * creator effectively holds.
 */
import { AppError } from '../../errors.ts'
import type { Caller } from '../../http/context.ts'
import { notAuthorized, type OperationSource } from '../../http/permission-guard.ts'
import { newId } from '../../ids.ts'
import type { ChangeRequest, ChangeRequestService } from '../policies/index.ts'
import { initiatorOf } from '../policies/index.ts'
import type { PermissionRepository } from './repository.ts'

/** The policy engine's change-request gate, as this domain uses it. */
export type PermissionChangeGate = Pick<
  ChangeRequestService,
  'submitChange' | 'pendingForMany' | 'registerApplier'
>

const ASSIGN_OPERATION = 'Permissions:Assign'

/**
 * Ask the `Permissions:Assign` policies about one assignment: undefined means apply it now, a
 * change request means it waits for approval (202). A Block policy throws 403.
 */
export async function gateAssignment(
  changes: PermissionChangeGate | undefined,
  caller: Caller,
  assignment: { id: string; permissionId: string; identityId: string },
): Promise<ChangeRequest | undefined> {
  if (!changes) return undefined
  const submitted = await changes.submitChange({
    orgId: caller.orgId,
    initiator: initiatorOf(caller),
    kind: 'Assignment',
    operationKind: 'Create',
    entityId: assignment.id,
    permissionId: assignment.permissionId,
    conflictKey: `${assignment.permissionId}/${assignment.identityId}`,
    body: { ...assignment, isImmutable: false },
  })
  return submitted.outcome === 'Pending' ? submitted.changeRequest : undefined
}

/** The permissions a new identity is to receive, decided before it is written. */
export interface InitialGrant {
  /** Assign these in the transaction that creates the identity. */
  readonly assign: readonly { readonly id: string; readonly permissionId: string }[]
  /** The named permission waits for approval: assigned by the change request once approved. */
  readonly pending?: ChangeRequest
}

export type InitialGrants = ReturnType<typeof createInitialGrants>

export function createInitialGrants(deps: {
  repository: PermissionRepository
  operations: OperationSource
  changes?: PermissionChangeGate
  now: () => Date
}) {
  const { repository: repo } = deps
  return {
    /**
     * Decide what `identityId` (not yet written) receives. With `permissionId`: the caller needs
     * `Permissions:Assign` and the assignment passes the `Permissions:Assign` policies (Block →
     * 403, RequestApproval → `pending`). Without: copies of those of the creator's permissions (a
     * PAT's own and its user's) whose every operation the creator effectively holds, so the new
     * identity never holds more than its creator can do; it may hold less, when the creator's
     * effective set is not a union of whole permissions.
     */
    async decide(
      caller: Caller,
      identityId: string,
      permissionId: string | undefined,
    ): Promise<InitialGrant> {
      const id = () => newId('assignment', deps.now().getTime())
      if (permissionId !== undefined) {
        const permission = await repo.findPermission(caller.orgId, permissionId)
        if (!permission) {
          throw new AppError('not_found', `permission ${permissionId} not found`, {
            details: { permissionId, orgId: caller.orgId },
          })
        }
        if (permission.isArchived) {
          throw new AppError(
            'unprocessable',
            `permission ${permissionId} is archived and cannot be assigned`,
            {
              details: { permissionId, isArchived: true },
            },
          )
        }
        const held = await deps.operations.operationsOf(caller)
        if (!held.has(ASSIGN_OPERATION)) throw notAuthorized(caller, ASSIGN_OPERATION)
        const assignment = { id: id(), permissionId, identityId }
        const pending = await gateAssignment(deps.changes, caller, assignment)
        return pending ? { assign: [], pending } : { assign: [assignment] }
      }
      const effective = await deps.operations.operationsOf(caller)
      const holders = caller.tokenKind === 'Pat' ? [caller.tokenId, caller.userId] : [caller.userId]
      const chosen = new Set<string>()
      for (const granted of await repo.grantedPermissionsOf(holders)) {
        if (granted.operations.every((op) => effective.has(op))) chosen.add(granted.permissionId)
      }
      return { assign: [...chosen].map((permissionId) => ({ id: id(), permissionId })) }
    },
  }
}
