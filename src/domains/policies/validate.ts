/**
 * Turns an untrusted create/update body into a `PolicyBody`, or throws a 400 whose message and
 * `details.field` name the first field that is wrong.
 *
 * `PolicyBodySchema` decides: a body is valid exactly when it matches the union. A union failure
 * only says "matches no member", which names no field, so a refused body is explained by walking the
 * same schema: the member of its activity kind, then the rule and action members of their kinds,
 * then the filters (e.g. `action.kind: Block is not allowed for Policies:Modify`). What the schema
 * cannot say (a count limit must be whole, a quorum must be reachable) is checked after it.
 */
import type { TSchema } from 'typebox'
import { Value } from 'typebox/value'
import { AppError } from '../../errors.ts'
import { type Action, type PolicyBody, PolicyBodySchema } from './policy-body.ts'

const invalid = (field: string, problem: string): AppError =>
  new AppError('validation_failed', `${field}: ${problem}`, { details: { field, problem } })

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

export function parsePolicyBody(input: unknown): PolicyBody {
  if (!Value.Check(PolicyBodySchema, input)) throw explain(input)
  // Docs send a limit as `"1000"`, the SDK as `1000`: the schema decodes both to the number stored
  // (on a copy: the input is left as it came).
  const body = Value.Decode(PolicyBodySchema, input)
  if (body.rule.kind === 'TransactionCountVelocity' && !Number.isInteger(body.rule.configuration.limit)) {
    throw invalid('rule.configuration.limit', 'must be a whole number of requests')
  }
  assertReachable(body.action)
  return body
}

/**
 * A quorum larger than the list of named approvers can never be reached: refuse it now rather than
 * leave every future approval pending until it expires.
 */
function assertReachable(action: Action): void {
  if (action.kind !== 'RequestApproval') return
  action.approvalGroups.forEach((group, index) => {
    const listed = group.approvers.userId?.in
    if (listed && group.quorum > new Set(listed).size) {
      throw invalid(
        `action.approvalGroups[${index}].quorum`,
        `is ${group.quorum} but only ${new Set(listed).size} approvers are listed`,
      )
    }
  })
}

// --- explaining a refusal, from the schema itself -------------------------------------------------

interface ObjectSchema extends TSchema {
  properties: Record<string, TSchema & { const?: string; maxLength?: number; anyOf?: ObjectSchema[] }>
  required?: string[]
}

/** The members of a union of objects told apart by a literal property (`activityKind`, `kind`). */
const membersOf = (union: TSchema | undefined): ObjectSchema[] => (union as { anyOf: ObjectSchema[] }).anyOf
const discriminant = (member: ObjectSchema, key: string): string => member.properties[key]!.const!

function expectObject(value: unknown, field: string): Record<string, unknown> {
  if (!isObject(value)) throw invalid(field, 'must be an object')
  return value
}

/** `/a/b/0` → `a.b[0]` so the error names the field the way a developer writes it. */
function fieldPath(prefix: string, instancePath: string): string {
  let out = prefix
  for (const segment of instancePath.split('/').slice(1)) {
    out += /^\d+$/.test(segment) ? `[${segment}]` : `.${segment.replaceAll('~1', '/').replaceAll('~0', '~')}`
  }
  return out
}

/** The first error of one piece, named by its field. */
function check(schema: TSchema, value: unknown, prefix: string): void {
  const errors = Value.Errors(schema, value)
  if (errors.length === 0) return
  // The additionalProperties error names the extra key in params; the "schema is false" twin only
  // repeats it, so prefer the one that reads well.
  const extra = errors.find((e) => e.keyword === 'additionalProperties')
  if (extra) {
    const names = (extra.params as { additionalProperties?: string[] }).additionalProperties ?? []
    throw invalid(
      fieldPath(prefix, `${extra.instancePath}/${names[0] ?? ''}`),
      'is not an allowed field here',
    )
  }
  const missing = errors.find((e) => e.keyword === 'required')
  if (missing) {
    const names = (missing.params as { requiredProperties?: string[] }).requiredProperties ?? []
    throw invalid(fieldPath(prefix, `${missing.instancePath}/${names[0] ?? ''}`), 'is required')
  }
  const first = errors[0]!
  throw invalid(fieldPath(prefix, first.instancePath), first.message)
}

/** Picks the member of `union` whose `kind` is the value's, or names the kinds allowed. */
function memberOfKind(
  union: TSchema | undefined,
  value: Record<string, unknown>,
  field: string,
  activityKind: string,
): ObjectSchema {
  const members = membersOf(union)
  const member = members.find((m) => discriminant(m, 'kind') === value.kind)
  if (member) return member
  const allowed = members.map((m) => discriminant(m, 'kind')).join(', ')
  throw invalid(
    `${field}.kind`,
    `${String(value.kind)} is not allowed for ${activityKind} (allowed: ${allowed})`,
  )
}

/** Why a body matches no member of `PolicyBodySchema`, in the order a reader fixes a body. */
function explain(input: unknown): AppError {
  try {
    const body = expectObject(input, 'body')
    const members = membersOf(PolicyBodySchema)
    const fields = Object.keys(members[0]!.properties)
    for (const key of Object.keys(body)) {
      if (!fields.includes(key)) throw invalid(key, 'is not an allowed field here')
    }
    const name = members[0]!.properties.name!
    const given: unknown = body.name
    const nameValid: boolean = Value.Check(name, given)
    if (!nameValid) {
      if (typeof given === 'string' && given.length > name.maxLength!) {
        throw invalid('name', `must not have more than ${name.maxLength} characters`)
      }
      throw invalid('name', 'must be a non-empty string')
    }
    const member = members.find((m) => discriminant(m, 'activityKind') === body.activityKind)
    if (!member) {
      const kinds = members.map((m) => discriminant(m, 'activityKind'))
      throw invalid('activityKind', `must be one of ${kinds.join(', ')}`)
    }
    const activityKind = body.activityKind as string

    const rule = expectObject(body.rule, 'rule')
    const ruleMember = memberOfKind(member.properties.rule, rule, 'rule', activityKind)
    for (const key of Object.keys(rule)) {
      if (!(key in ruleMember.properties)) throw invalid(`rule.${key}`, 'is not an allowed field here')
    }
    if (rule.configuration === undefined) {
      if (ruleMember.required?.includes('configuration')) {
        throw invalid('rule.configuration', `is required for ${String(rule.kind)}`)
      }
    } else {
      check(
        ruleMember.properties.configuration!,
        expectObject(rule.configuration, 'rule.configuration'),
        'rule.configuration',
      )
    }

    const action = expectObject(body.action, 'action')
    check(memberOfKind(member.properties.action, action, 'action', activityKind), action, 'action')

    if (body.filters !== undefined) {
      check(member.properties.filters!, expectObject(body.filters, 'filters'), 'filters')
    }
  } catch (err) {
    if (err instanceof AppError) return err
    throw err
  }
  // Every piece passed on its own: cannot happen while the union is made of these pieces.
  return invalid('body', 'does not match any policy shape')
}
