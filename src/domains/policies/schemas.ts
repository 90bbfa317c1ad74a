/**
 * The route schemas of policies and approvals (queries, the decision body, the responses) and the
 * types the domain returns, each the `Static` of its response schema. The policy body is in
 * policy-body.ts. Responses are serialized through these schemas: fields not declared here never
 * leave the server.
 */
import { type Static, Type } from 'typebox'
import { pageQuery } from '../../pagination.ts'
import { type Action, activityKinds, type Filters, limits, type Rule } from './policy-body.ts'

const closed = { additionalProperties: false } as const
/**
 * Rule, action, filters, the requests inside an activity and change-request bodies are stored
 * exactly as validated, so their response schemas stay open (rather than repeat the union) while
 * carrying the precise type.
 */
const open = <T>() => Type.Unsafe<T>(Type.Object({}, { additionalProperties: true }))
const openWithKind = <T>() =>
  Type.Unsafe<T>(Type.Object({ kind: Type.String() }, { additionalProperties: true }))

// --- requests -----------------------------------------------------------------------------------

export const ApprovalDecisionBodySchema = Type.Object(
  {
    value: Type.Union([Type.Literal('Approved'), Type.Literal('Denied')]),
    reason: Type.Optional(Type.String({ maxLength: limits.reason })),
  },
  closed,
)
export type ApprovalDecisionBody = Static<typeof ApprovalDecisionBodySchema>

const PolicyStatusSchema = Type.Enum(['Active', 'Archived'])
export type PolicyStatus = Static<typeof PolicyStatusSchema>
const ApprovalStatusSchema = Type.Enum(['Pending', 'Approved', 'Denied', 'Expired'])
export type ApprovalStatus = Static<typeof ApprovalStatusSchema>
const DecisionValueSchema = Type.Enum(['Approved', 'Denied'])
export type DecisionValue = Static<typeof DecisionValueSchema>

export const ListPoliciesQuerySchema = pageQuery({ status: Type.Optional(PolicyStatusSchema) })
export type ListPoliciesQuery = Static<typeof ListPoliciesQuerySchema>

export const ListApprovalsQuerySchema = pageQuery({
  status: Type.Optional(ApprovalStatusSchema),
  initiatorId: Type.Optional(Type.String({ maxLength: limits.id })),
  approverId: Type.Optional(Type.String({ maxLength: limits.id })),
})
export type ListApprovalsQuery = Static<typeof ListApprovalsQuerySchema>

// --- change requests ----------------------------------------------------------------------------

const ChangeRequestKindSchema = Type.Enum(['Permission', 'Assignment', 'Policy'])
export type ChangeRequestKind = Static<typeof ChangeRequestKindSchema>
const ChangeOperationKindSchema = Type.Enum(['Create', 'Update', 'Delete'])
export type ChangeOperationKind = Static<typeof ChangeOperationKindSchema>
const ChangeRequestStatusSchema = Type.Enum(['Pending', 'Applied', 'Rejected', 'Failed'])
export type ChangeRequestStatus = Static<typeof ChangeRequestStatusSchema>

const RequesterSchema = Type.Object({
  userId: Type.String(),
  tokenId: Type.Optional(Type.String()),
  appId: Type.Optional(Type.String()),
})
export type Requester = Static<typeof RequesterSchema>

export const ChangeRequestSchema = Type.Object({
  id: Type.String(),
  kind: ChangeRequestKindSchema,
  operationKind: ChangeOperationKindSchema,
  status: ChangeRequestStatusSchema,
  requester: RequesterSchema,
  entityId: Type.String(),
  approvalId: Type.String(),
  dateCreated: Type.String(),
  dateResolved: Type.Optional(Type.String()),
  body: open<Record<string, unknown>>(),
})
export type ChangeRequest = Static<typeof ChangeRequestSchema>

// --- policies -----------------------------------------------------------------------------------

export const PolicySchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  status: PolicyStatusSchema,
  dateCreated: Type.String(),
  dateUpdated: Type.String(),
  activityKind: Type.Enum(activityKinds),
  rule: Type.Unsafe<Rule>(
    Type.Object({ kind: Type.String(), configuration: Type.Optional(open<Record<string, unknown>>()) }),
  ),
  action: openWithKind<Action>(),
  filters: Type.Optional(open<Filters>()),
  pendingChangeRequest: Type.Optional(ChangeRequestSchema),
})
export type Policy = Static<typeof PolicySchema>
/** What a policy body sets, read back from a policy (any activity kind). */
export type PolicyFields = Pick<Policy, 'name' | 'activityKind' | 'rule' | 'action' | 'filters'>

// --- approvals ----------------------------------------------------------------------------------

const PolicyEvaluationSchema = Type.Object({
  policyId: Type.String(),
  triggered: Type.Boolean(),
  reason: Type.String(),
  context: Type.Optional(open<Record<string, unknown>>()),
})
export type PolicyEvaluation = Static<typeof PolicyEvaluationSchema>

const ApprovalDecisionSchema = Type.Object({
  userId: Type.String(),
  date: Type.String(),
  value: DecisionValueSchema,
  reason: Type.Union([Type.String(), Type.Null()]),
})
export type ApprovalDecision = Static<typeof ApprovalDecisionSchema>

/**
 * `activity` is the SDK's union, told apart by `kind`: a `Wallets:Sign` activity carries the governed
 * request under its own field (`signatureRequest`, `transferRequest`…), a change activity its
 * `changeRequest`. The requests are stored exactly as the API showed them, so they stay open.
 */
const WalletRequestSchema = open<Record<string, unknown>>()
const ApprovalActivitySchema = Type.Union([
  Type.Object({
    kind: Type.Literal('Wallets:Sign'),
    signatureRequest: Type.Optional(WalletRequestSchema),
    transferRequest: Type.Optional(WalletRequestSchema),
    transactionRequest: Type.Optional(WalletRequestSchema),
    swapRequest: Type.Optional(WalletRequestSchema),
  }),
  Type.Object({
    kind: Type.Enum(['Permissions:Modify', 'Permissions:Assign', 'Policies:Modify']),
    changeRequest: ChangeRequestSchema,
  }),
])
export type ApprovalActivity = Static<typeof ApprovalActivitySchema>

export const ApprovalSchema = Type.Object({
  id: Type.String(),
  initiatorId: Type.String(),
  activity: ApprovalActivitySchema,
  status: ApprovalStatusSchema,
  expirationDate: Type.Optional(Type.String()),
  dateCreated: Type.String(),
  dateUpdated: Type.String(),
  dateResolved: Type.Optional(Type.String()),
  policyEvaluations: Type.Array(PolicyEvaluationSchema),
  decisions: Type.Array(ApprovalDecisionSchema),
})
export type Approval = Static<typeof ApprovalSchema>
