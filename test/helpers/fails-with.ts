import assert from 'node:assert/strict'
import { DfnsError } from '@dfns/sdk'

/** The error body of a failed SDK call (the error contract). */
export interface SdkErrorBody {
  readonly status: number
  readonly message: string
  readonly details: Record<string, unknown>
}

export function errorOf(err: DfnsError): SdkErrorBody {
  return (err.context as { body: { error: SdkErrorBody } }).body.error
}

/**
 * An `assert.rejects` validator: the SDK call failed with `status`, in the error contract, and
 * - `check` a string: `details.field` names that field;
 * - `check` a RegExp: the message matches it;
 * - `check` a function: it asserts whatever else on the error body.
 */
export function failsWith(status: number, check?: string | RegExp | ((error: SdkErrorBody) => void)) {
  return (err: unknown): true => {
    assert.ok(err instanceof DfnsError, `not a DfnsError: ${String(err)}`)
    const body = (err.context as { body?: { error?: SdkErrorBody } } | undefined)?.body
    const where = `${err.httpStatus} ${JSON.stringify(body)}`
    assert.equal(err.httpStatus, status, where)
    const error = body?.error
    assert.ok(error && error.status === status && typeof error.message === 'string', where)
    if (typeof check === 'string') assert.equal(error.details?.field, check, where)
    else if (check instanceof RegExp) assert.match(error.message, check, where)
    else check?.(error)
    return true
  }
}
