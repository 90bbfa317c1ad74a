/**
 * Compile-time agreement with the SDK's policy shapes. Not a runtime test (nothing here runs):
 * `npm run typecheck` compiles this file and fails when the shapes drift. The `@ts-expect-error`
 * lines prove the checks bite: if a check accepted anything, they would be unused and fail too.
 */
import type {
  CreatePolicyBody,
  GetApprovalResponse,
  GetPolicyResponse,
} from '@dfns/sdk/generated/policies/types.js'
import type { PolicyBody } from '../../../src/domains/policies/policy-body.ts'
import type { Approval, ChangeRequest, Policy } from '../../../src/domains/policies/schemas.ts'

type Accepts<Ours, Theirs extends Ours> = Theirs
type RequiredKeys<T> = { [K in keyof T]-?: undefined extends T[K] ? never : K }[keyof T]

// Every body the SDK can send fits our body type (each rule, action and filter shape)…
export type Bodies = Accepts<PolicyBody, CreatePolicyBody>
// …and what we return carries every field the SDK's response types require.
export type PolicyKeys = Accepts<keyof Policy, RequiredKeys<GetPolicyResponse>>
export type ApprovalKeys = Accepts<keyof Approval, RequiredKeys<GetApprovalResponse>>
export type ChangeRequestKeys = Accepts<
  keyof ChangeRequest,
  RequiredKeys<Extract<GetApprovalResponse['activity'], { kind: 'Permissions:Modify' }>['changeRequest']>
>

// @ts-expect-error a body our type does not accept is caught
export type RejectsForeignBody = Accepts<PolicyBody, { name: 1 }>
// @ts-expect-error a response field the SDK requires and we lack is caught
export type RejectsMissingKey = Accepts<keyof Policy, 'notAPolicyField'>
