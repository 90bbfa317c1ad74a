import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type {
  CreatePolicyBody,
  GetApprovalResponse,
  GetPolicyResponse,
} from '@dfns/sdk/generated/policies/types.js'
import type { Approval, ChangeRequest, Policy, PolicyBody } from '../../../src/domains/policies/schemas.ts'

// Compile-time agreement with the SDK (`npm run typecheck` fails if the shapes drift):
// every body the SDK can send fits our body type (each rule, action and filter shape)…
type Accepts<Ours, Theirs extends Ours> = Theirs
type _bodies = Accepts<PolicyBody, CreatePolicyBody>
// …and what we return carries every field the SDK's response types require.
type RequiredKeys<T> = { [K in keyof T]-?: undefined extends T[K] ? never : K }[keyof T]
type _policyKeys = Accepts<keyof Policy, RequiredKeys<GetPolicyResponse>>
type _approvalKeys = Accepts<keyof Approval, RequiredKeys<GetApprovalResponse>>
type _changeRequestKeys = Accepts<
  keyof ChangeRequest,
  RequiredKeys<Extract<GetApprovalResponse['activity'], { kind: 'Permissions:Modify' }>['changeRequest']>
>

describe('SDK shapes', () => {
  it('are checked at compile time (this file typechecks)', () => {
    const checks: [_bodies?, _policyKeys?, _approvalKeys?, _changeRequestKeys?] = []
    assert.equal(checks.length, 0)
  })
})
