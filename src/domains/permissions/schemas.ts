/**
 * Permission and assignment schemas, shaped like `@dfns/sdk` 0.8.21
 * (generated/permissions/types.d.ts). Used for validation, response serialization and OpenAPI.
 */
import { type Static, Type } from 'typebox'
import { PageQuery, pageSchema } from '../../pagination.ts'
import { currentOperations, legacyOperations } from './operations.ts'

export const limits = {
  name: 256,
  id: 128,
  /** Every current and legacy name fits; a longer list can only be repetition. */
  operations: 500,
} as const

export const DEFAULT_PAGE_SIZE = 100

const IdString = Type.String({ minLength: 1, maxLength: limits.id })

/** Current and legacy names (SDK groups 1 and 2); anything else is a 400 that names it. */
export const OperationName = Type.String({
  maxLength: 64,
  enum: [...currentOperations, ...legacyOperations],
  description: 'A permission operation (current or legacy name).',
})

const Operations = Type.Array(OperationName, { minItems: 1, maxItems: limits.operations })
const Name = Type.String({ minLength: 1, maxLength: limits.name, pattern: '\\S' })

export const CreatePermissionBody = Type.Object(
  { name: Name, operations: Operations },
  { additionalProperties: false },
)
export type CreatePermissionBody = Static<typeof CreatePermissionBody>

export const UpdatePermissionBody = Type.Object(
  { name: Type.Optional(Name), operations: Type.Optional(Operations) },
  { additionalProperties: false },
)
export type UpdatePermissionBody = Static<typeof UpdatePermissionBody>

export const ArchivePermissionBody = Type.Object(
  { isArchived: Type.Boolean() },
  { additionalProperties: false },
)
export type ArchivePermissionBody = Static<typeof ArchivePermissionBody>

export const CreateAssignmentBody = Type.Object({ identityId: IdString }, { additionalProperties: false })
export type CreateAssignmentBody = Static<typeof CreateAssignmentBody>

export const PermissionParams = Type.Object({ permissionId: IdString })
export const AssignmentParams = Type.Object({ permissionId: IdString, assignmentId: IdString })

export const ListQuery = PageQuery
export type ListQuery = Static<typeof ListQuery>

/** `?force=true` revokes without asking the Permissions:Assign policies (SDK: "bypasses the approval process"). */
export const DeleteAssignmentQuery = Type.Object({ force: Type.Optional(Type.Boolean()) })

const Requester = Type.Object({
  userId: Type.String(),
  tokenId: Type.Optional(Type.String()),
  appId: Type.Optional(Type.String()),
})

/** A change request, as `pendingChangeRequest` on GET and as the 202 body. */
export const ChangeRequestView = Type.Object({
  id: Type.String(),
  kind: Type.String(),
  operationKind: Type.String(),
  status: Type.String(),
  requester: Requester,
  entityId: Type.String(),
  approvalId: Type.Optional(Type.String()),
  dateCreated: Type.String(),
  dateResolved: Type.Optional(Type.String()),
  body: Type.Object({}, { additionalProperties: true }),
})

const permissionFields = {
  id: Type.String(),
  name: Type.String(),
  operations: Type.Array(Type.String()),
  status: Type.Literal('Active'),
  isImmutable: Type.Boolean(),
  isArchived: Type.Boolean(),
  dateCreated: Type.String(),
  dateUpdated: Type.String(),
}

export const PermissionView = Type.Object(permissionFields)
export const PermissionWithPendingView = Type.Object({
  ...permissionFields,
  pendingChangeRequest: Type.Optional(ChangeRequestView),
})

const assignmentFields = {
  id: Type.String(),
  permissionId: Type.String(),
  identityId: Type.String(),
  isImmutable: Type.Boolean(),
  dateCreated: Type.String(),
  dateUpdated: Type.String(),
}

export const AssignmentView = Type.Object(assignmentFields)
export const AssignmentWithPendingView = Type.Object({
  ...assignmentFields,
  pendingChangeRequest: Type.Optional(ChangeRequestView),
})

export const PermissionPage = pageSchema(PermissionWithPendingView)
export const AssignmentPage = pageSchema(AssignmentWithPendingView)
