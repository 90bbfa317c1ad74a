import type { TSchema } from 'typebox'
import { Value } from 'typebox/value'
import { AppError } from '../../../errors.ts'

/**
 * Seed errors name the place in the file as a JSON path (`orgs[0].wallets[2].privateKey`) in
 * `details.field`, whether the schema, a cross-reference or a domain service refused it.
 */
export const seedError = (field: string, problem: string): AppError =>
  new AppError('validation_failed', `seed ${field}: ${problem}`, { details: { field, problem } })

/** `/orgs/0/wallets/1` → `orgs[0].wallets[1]`. */
export function jsonPath(instancePath: string, extra?: string): string {
  let out = ''
  const segments = instancePath.split('/').slice(1)
  if (extra !== undefined) segments.push(extra)
  for (const segment of segments) {
    const name = segment.replaceAll('~1', '/').replaceAll('~0', '~')
    out += /^\d+$/.test(name) ? `[${name}]` : out ? `.${name}` : name
  }
  return out
}

export function checkSchema(schema: TSchema, value: unknown): void {
  const errors = Value.Errors(schema, value)
  if (errors.length === 0) return
  const extra = errors.find((e) => e.keyword === 'additionalProperties')
  if (extra) {
    const names = (extra.params as { additionalProperties?: string[] }).additionalProperties ?? []
    throw seedError(jsonPath(extra.instancePath, names[0]), 'is not an allowed field here')
  }
  const missing = errors.find((e) => e.keyword === 'required')
  if (missing) {
    const names = (missing.params as { requiredProperties?: string[] }).requiredProperties ?? []
    throw seedError(jsonPath(missing.instancePath, names[0]), 'is required')
  }
  // The deepest failure names the field best (a union reports itself and its members).
  const first = [...errors].sort((a, b) => b.instancePath.length - a.instancePath.length)[0]!
  throw seedError(jsonPath(first.instancePath) || '(root)', first.message)
}

/**
 * Runs one step of the seed; an error of a domain service is re-raised with its field placed under
 * `path` (a service's `name` becomes `orgs[0].permissions[1].name`). Non-400 errors (409, 402…)
 * keep their status and gain the path too.
 */
export async function at<T>(path: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step()
  } catch (err) {
    if (!(err instanceof AppError) || err.status >= 500) throw err
    const inner = typeof err.details?.field === 'string' ? (err.details.field as string) : ''
    let field = path
    if (inner.startsWith('orgs[')) field = inner
    else if (inner && inner !== 'body') field = `${path}.${inner.replace(/^body\./, '')}`
    const problem = typeof err.details?.problem === 'string' ? err.details.problem : err.message
    throw new AppError(err.code, `seed ${field}: ${problem}`, {
      details: { ...err.details, field },
      cause: err,
    })
  }
}
