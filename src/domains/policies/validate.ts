/**
 * Turns an untrusted create/update body into a `PolicyBody`, or throws a 400 whose message and
 * `details.field` name the first field that is wrong.
 *
 * The SDK's union is checked piece by piece (activity kind → rule kind → configuration → action →
 * filters) instead of as one union: a union failure only says "matches no member", which names no
 * field; checking in this order lets the error say e.g. `action.kind: Block is not allowed for
 * Policies:Modify`.
 */
import type { TSchema } from 'typebox'
import { Value } from 'typebox/value'
import { AppError } from '../../errors.ts'
import {
  type Action,
  type ActionKind,
  type ActivityKind,
  actionSchemas,
  activityKinds,
  allowedCombinations,
  type Filters,
  limits,
  type PolicyBody,
  type Rule,
  type RuleKind,
  ruleConfigurationSchemas,
} from './schemas.ts'

const invalid = (field: string, problem: string): AppError =>
  new AppError('validation_failed', `${field}: ${problem}`, { details: { field, problem } })

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/** `/a/b/0` → `a.b[0]` so the error names the field the way a developer writes it. */
function fieldPath(prefix: string, instancePath: string): string {
  let out = prefix
  for (const segment of instancePath.split('/').slice(1)) {
    out += /^\d+$/.test(segment) ? `[${segment}]` : `.${segment.replaceAll('~1', '/').replaceAll('~0', '~')}`
  }
  return out
}

function check(schema: TSchema, value: unknown, prefix: string): void {
  const errors = Value.Errors(schema, value)
  if (errors.length === 0) return
  // The additionalProperties error names the extra key in params; the "schema is false" twin only
  // repeats it, so prefer the one that reads well.
  const extra = errors.find((e) => e.keyword === 'additionalProperties')
  if (extra) {
    const names = (extra.params as { additionalProperties?: string[] }).additionalProperties ?? []
    const field = fieldPath(prefix, `${extra.instancePath}/${names[0] ?? ''}`)
    throw invalid(field, 'is not an allowed field here')
  }
  const missing = errors.find((e) => e.keyword === 'required')
  if (missing) {
    const names = (missing.params as { requiredProperties?: string[] }).requiredProperties ?? []
    throw invalid(fieldPath(prefix, `${missing.instancePath}/${names[0] ?? ''}`), 'is required')
  }
  const first = errors[0]!
  throw invalid(fieldPath(prefix, first.instancePath), first.message)
}

const expectObject = (value: unknown, field: string): Record<string, unknown> => {
  if (!isObject(value)) throw invalid(field, 'must be an object')
  return value
}

export function parsePolicyBody(input: unknown): PolicyBody {
  const body = expectObject(input, 'body')
  for (const key of Object.keys(body)) {
    if (!['name', 'activityKind', 'rule', 'action', 'filters'].includes(key)) {
      throw invalid(key, 'is not an allowed field here')
    }
  }
  const { name, activityKind } = body
  if (typeof name !== 'string' || name.length === 0) throw invalid('name', 'must be a non-empty string')
  if (name.length > limits.name) throw invalid('name', `must not have more than ${limits.name} characters`)
  if (typeof activityKind !== 'string' || !(activityKinds as readonly string[]).includes(activityKind)) {
    throw invalid('activityKind', `must be one of ${activityKinds.join(', ')}`)
  }
  const kind = activityKind as ActivityKind
  const combo = allowedCombinations[kind]

  const rule = parseRule(expectObject(body.rule, 'rule'), kind, combo.rules)
  const action = parseAction(expectObject(body.action, 'action'), kind, combo.actions)

  const policy: PolicyBody = { name, activityKind: kind, rule, action }
  if (body.filters !== undefined) {
    const filters = expectObject(body.filters, 'filters')
    check(combo.filters, filters, 'filters')
    policy.filters = filters as Filters
  }
  return policy
}

function parseRule(
  rule: Record<string, unknown>,
  activityKind: ActivityKind,
  allowed: readonly RuleKind[],
): Rule {
  const kind = rule.kind
  if (typeof kind !== 'string' || !(allowed as readonly string[]).includes(kind)) {
    throw invalid(
      'rule.kind',
      `${String(kind)} is not allowed for ${activityKind} (allowed: ${allowed.join(', ')})`,
    )
  }
  for (const key of Object.keys(rule)) {
    if (key !== 'kind' && key !== 'configuration')
      throw invalid(`rule.${key}`, 'is not an allowed field here')
  }
  const ruleKind = kind as RuleKind
  if (rule.configuration === undefined) {
    if (ruleKind === 'AlwaysTrigger') return { kind: ruleKind }
    throw invalid('rule.configuration', `is required for ${ruleKind}`)
  }
  const configuration = expectObject(rule.configuration, 'rule.configuration')
  check(ruleConfigurationSchemas[ruleKind], configuration, 'rule.configuration')
  // Docs send "1000", the SDK sends 1000: accept both, store the number.
  const normalized = { ...configuration }
  if (typeof normalized.limit === 'string') normalized.limit = Number(normalized.limit)
  if ('limit' in normalized && !Number.isFinite(normalized.limit)) {
    throw invalid('rule.configuration.limit', 'must be a finite number')
  }
  if (ruleKind === 'TransactionCountVelocity' && !Number.isInteger(normalized.limit)) {
    throw invalid('rule.configuration.limit', 'must be a whole number of requests')
  }
  return { kind: ruleKind, configuration: normalized } as Rule
}

function parseAction(
  action: Record<string, unknown>,
  activityKind: ActivityKind,
  allowed: readonly ActionKind[],
): Action {
  const kind = action.kind
  if (typeof kind !== 'string' || !(allowed as readonly string[]).includes(kind)) {
    throw invalid(
      'action.kind',
      `${String(kind)} is not allowed for ${activityKind} (allowed: ${allowed.join(', ')})`,
    )
  }
  const actionKind = kind as ActionKind
  check(actionSchemas[actionKind], action, 'action')
  if (actionKind === 'RequestApproval') {
    const groups = (action as Extract<Action, { kind: 'RequestApproval' }>).approvalGroups
    groups.forEach((group, index) => {
      const listed = group.approvers.userId?.in
      // A quorum larger than the list of named approvers can never be reached: refuse it now
      // rather than leave every future approval pending until it expires.
      if (listed && group.quorum > new Set(listed).size) {
        throw invalid(
          `action.approvalGroups[${index}].quorum`,
          `is ${group.quorum} but only ${new Set(listed).size} approvers are listed`,
        )
      }
    })
  }
  return action as Action
}
