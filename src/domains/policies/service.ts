/**
 * Policy CRUD. An update or archive is a change request when a `Policies:Modify` policy triggers
 * (202); creating a policy is never gated.
 */
import type { Clock } from '../../clock.ts'
import { AppError, notFound } from '../../errors.ts'
import type { ChangeOutcome } from '../../http/change-reply.ts'
import { newId } from '../../ids.ts'
import { cursorOf, pageOf } from '../../pagination.ts'
import type { Initiator } from './activity.ts'
import type { ChangeRequestService } from './change-requests.ts'
import type { PolicyBody } from './policy-body.ts'
import type { PolicyRepository } from './repository.ts'
import { ruleKindFeatures } from './rules/index.ts'
import type { ChangeRequest, ListPoliciesQuery, Policy, PolicyFields } from './schemas.ts'
import { parsePolicyBody } from './validate.ts'

export type PlanFeature = NonNullable<(typeof ruleKindFeatures)[keyof typeof ruleKindFeatures]>

/**
 * The plans domain's gate: throws AppError('payment_required') when the org's plan lacks the
 * feature. Absent ⇒ every feature is available (single-tenant/emulator default).
 */
export type AssertFeature = (orgId: string, feature: PlanFeature) => Promise<void>

/** What an update or archive produced: the policy (200) or a change request waiting (202). */
export type PolicyChangeResult = ChangeOutcome<Policy, ChangeRequest>

const DEFAULT_PAGE = 20

export interface PolicyServiceDeps {
  readonly clock: Clock
  readonly repo: PolicyRepository
  readonly changeRequests: ChangeRequestService
  readonly assertFeature?: AssertFeature
}

export type PolicyService = ReturnType<typeof createPolicyService>

export function createPolicyService(deps: PolicyServiceDeps) {
  const { repo, changeRequests } = deps
  const nowIso = () => deps.clock.now().toISOString()

  async function gate(orgId: string, body: PolicyBody): Promise<void> {
    const feature = ruleKindFeatures[body.rule.kind]
    if (feature && deps.assertFeature) await deps.assertFeature(orgId, feature)
  }

  async function activePolicy(orgId: string, policyId: string): Promise<Policy> {
    const policy = await repo.get(orgId, policyId)
    if (!policy) throw notFound('policy', policyId)
    if (policy.status !== 'Active') {
      throw new AppError('unprocessable', `Policy ${policyId} is archived and cannot be changed`, {
        details: { policyId, status: policy.status },
      })
    }
    return policy
  }

  const withoutPending = ({ pendingChangeRequest: _, ...policy }: Policy): Policy => policy

  // Approved Policy/Update change requests land here: a full replace, or the archive.
  changeRequests.registerApplier('Policy', async (changeRequest, orgId) => {
    const body = changeRequest.body as unknown as Policy
    const applied =
      body.status === 'Archived'
        ? await repo.archive(orgId, changeRequest.entityId, nowIso())
        : await repo.replace(orgId, changeRequest.entityId, parsePolicyBody(stripToBody(body)), nowIso())
    if (!applied) throw new Error(`policy ${changeRequest.entityId} is no longer Active`)
  })

  async function change(
    orgId: string,
    current: Policy,
    next: Policy,
    initiator: Initiator,
  ): Promise<PolicyChangeResult> {
    const submitted = await changeRequests.submitChange({
      orgId,
      initiator,
      kind: 'Policy',
      operationKind: 'Update',
      entityId: current.id,
      body: { ...withoutPending(next) },
    })
    if (submitted.outcome === 'Pending') return { kind: 'Pending', changeRequest: submitted.changeRequest }
    const applied =
      next.status === 'Archived'
        ? await repo.archive(orgId, current.id, next.dateUpdated)
        : await repo.replace(orgId, current.id, next, next.dateUpdated)
    if (!applied)
      throw new AppError('unprocessable', `Policy ${current.id} is archived and cannot be changed`)
    return { kind: 'Applied', value: (await repo.get(orgId, current.id))! }
  }

  return {
    /** Creating a policy is never gated by policies (as in Dfns). */
    async create(orgId: string, input: unknown): Promise<Policy> {
      const body = parsePolicyBody(input)
      await gate(orgId, body)
      const now = deps.clock.now()
      const policy: Policy = {
        id: newId('policy', now.getTime()),
        status: 'Active',
        ...body,
        dateCreated: now.toISOString(),
        dateUpdated: now.toISOString(),
      }
      await repo.insert(orgId, policy)
      return policy
    },

    async get(orgId: string, policyId: string): Promise<Policy> {
      const policy = await repo.get(orgId, policyId)
      if (!policy) throw notFound('policy', policyId)
      const pending = await changeRequests.pendingFor(orgId, policyId)
      return pending ? { ...policy, pendingChangeRequest: pending } : policy
    },

    async list(
      orgId: string,
      query: ListPoliciesQuery,
    ): Promise<{ items: Policy[]; nextPageToken?: string }> {
      const limit = query.limit ?? DEFAULT_PAGE
      const rows = await repo.list(orgId, {
        limit: limit + 1,
        after: cursorOf(query.paginationToken),
        status: query.status,
      })
      const page = pageOf(rows, limit)
      const pending = await changeRequests.pendingForMany(
        orgId,
        page.items.map((p) => p.id),
      )
      const items = page.items.map((p) => {
        const cr = pending.get(p.id)
        return cr ? { ...p, pendingChangeRequest: cr } : p
      })
      return { ...page, items }
    },

    /** Full replace (same body as create); 202-pending when a Policies:Modify policy triggers. */
    async update(
      orgId: string,
      policyId: string,
      input: unknown,
      initiator: Initiator,
    ): Promise<PolicyChangeResult> {
      const body = parsePolicyBody(input)
      const current = await activePolicy(orgId, policyId)
      await gate(orgId, body)
      const next: Policy = {
        id: current.id,
        status: 'Active',
        ...body,
        dateCreated: current.dateCreated,
        dateUpdated: nowIso(),
      }
      return change(orgId, current, next, initiator)
    },

    /** Soft delete (status Archived); 202-pending when a Policies:Modify policy triggers. */
    async archive(orgId: string, policyId: string, initiator: Initiator): Promise<PolicyChangeResult> {
      const current = await activePolicy(orgId, policyId)
      return change(
        orgId,
        current,
        { ...withoutPending(current), status: 'Archived', dateUpdated: nowIso() },
        initiator,
      )
    },
  }
}

function stripToBody(policy: Policy): PolicyFields {
  const body: PolicyFields = {
    name: policy.name,
    activityKind: policy.activityKind,
    rule: policy.rule,
    action: policy.action,
  }
  if (policy.filters !== undefined) body.filters = policy.filters
  return body
}
