/**
 * /v2/policies and /v2/policy-approvals. Thin: authentication, user action and (when wired) the
 * permission guard run before these handlers (see route-table.ts); the rules live in the services.
 *
 * The policy body is validated by the domain against `PolicyBodySchema` (validate.ts) rather than
 * by the route: the framework would refuse a body that matches no member of the union without
 * naming a field, while the domain names it (`action.kind: Block is not allowed for Policies:Modify`).
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import { sendChange } from '../../http/change-reply.ts'
import { callerOf } from '../../http/context.ts'
import { pageSchema } from '../../pagination.ts'
import { initiatorOf } from './activity.ts'
import type { ApprovalService } from './approval-service.ts'
import { limits, PolicyBodySchema } from './policy-body.ts'
import {
  ApprovalDecisionBodySchema,
  ApprovalSchema,
  ChangeRequestSchema,
  ListApprovalsQuerySchema,
  ListPoliciesQuerySchema,
  PolicySchema,
} from './schemas.ts'
import type { PolicyService } from './service.ts'

const tags = ['policies']
const policyResponse = { 200: PolicySchema }
/** Update and archive: the policy, or 202 with the change request (the SDK raises PolicyPendingError). */
const changeResponse = { 200: PolicySchema, 202: ChangeRequestSchema }
const approvalResponse = { 200: ApprovalSchema }
const PolicyParams = Type.Object({ policyId: Type.String({ minLength: 1, maxLength: limits.id }) })
const ApprovalParams = Type.Object({ approvalId: Type.String({ minLength: 1, maxLength: limits.id }) })
/** Any JSON object here; the domain checks it against `PolicyBodySchema` (registered as `PolicyBody`). */
const PolicyBodyInput = Type.Object(
  {},
  { additionalProperties: true, description: 'See PolicyBody (SDK union).' },
)

export function registerPolicyRoutes(
  fastify: FastifyInstance,
  domain: { policies: PolicyService; approvals: ApprovalService },
): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  app.addSchema({ ...PolicyBodySchema, $id: 'PolicyBody' })

  app.post(
    '/v2/policies',
    { schema: { tags, body: PolicyBodyInput, response: policyResponse } },
    async (request) => domain.policies.create(callerOf(request).orgId, request.body),
  )
  app.get(
    '/v2/policies',
    { schema: { tags, querystring: ListPoliciesQuerySchema, response: { 200: pageSchema(PolicySchema) } } },
    async (request) => domain.policies.list(callerOf(request).orgId, request.query),
  )
  app.get(
    '/v2/policies/:policyId',
    { schema: { tags, params: PolicyParams, response: policyResponse } },
    async (request) => domain.policies.get(callerOf(request).orgId, request.params.policyId),
  )
  app.put(
    '/v2/policies/:policyId',
    { schema: { tags, params: PolicyParams, body: PolicyBodyInput, response: changeResponse } },
    async (request, reply) => {
      const caller = callerOf(request)
      return sendChange(
        reply,
        await domain.policies.update(
          caller.orgId,
          request.params.policyId,
          request.body,
          initiatorOf(caller),
        ),
      )
    },
  )
  app.delete(
    '/v2/policies/:policyId',
    { schema: { tags, params: PolicyParams, response: changeResponse } },
    async (request, reply) => {
      const caller = callerOf(request)
      return sendChange(
        reply,
        await domain.policies.archive(caller.orgId, request.params.policyId, initiatorOf(caller)),
      )
    },
  )

  app.get(
    '/v2/policy-approvals',
    {
      schema: { tags, querystring: ListApprovalsQuerySchema, response: { 200: pageSchema(ApprovalSchema) } },
    },
    async (request) => domain.approvals.list(callerOf(request).orgId, request.query),
  )
  app.get(
    '/v2/policy-approvals/:approvalId',
    { schema: { tags, params: ApprovalParams, response: approvalResponse } },
    async (request) => domain.approvals.get(callerOf(request).orgId, request.params.approvalId),
  )
  app.post(
    '/v2/policy-approvals/:approvalId/decisions',
    {
      schema: { tags, params: ApprovalParams, body: ApprovalDecisionBodySchema, response: approvalResponse },
    },
    async (request) => {
      const caller = callerOf(request)
      return domain.approvals.decide(
        caller.orgId,
        request.params.approvalId,
        { userId: caller.userId, kind: caller.kind },
        request.body,
      )
    },
  )
}
