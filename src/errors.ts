/**
 * The one error type of walletd and its code catalog.
 *
 * The HTTP status is a property of the code, never chosen where the error is thrown. The public
 * `message` is written for a person and names what was wrong; `details` carries structured context.
 * `cause` is internal: it is logged with the error id and never sent to the client.
 */
export const errorCatalog = {
  invalid_json: { status: 400, message: 'Request body is not valid JSON.' },
  validation_failed: { status: 400, message: 'Request is invalid.' },
  bad_request: { status: 400, message: 'Request cannot be processed as sent.' },
  user_action_used: { status: 400, message: 'user action has already been used' },
  unauthorized: { status: 401, message: 'Not Authorized.' },
  wrong_region: { status: 401, message: 'Token was issued by another region.' },
  payment_required: { status: 402, message: 'Feature is not available on the current plan.' },
  forbidden: { status: 403, message: 'Operation is not permitted.' },
  user_action_invalid: { status: 403, message: 'user action signature is missing or invalid' },
  not_found: { status: 404, message: 'Resource not found.' },
  route_not_found: { status: 404, message: 'Route not found.' },
  method_not_allowed: { status: 405, message: 'Method not allowed on this route.' },
  request_timeout: { status: 408, message: 'Request was not received in time.' },
  conflict: { status: 409, message: 'Request conflicts with an existing resource.' },
  gone: { status: 410, message: 'Resource was permanently deleted.' },
  precondition_failed: { status: 412, message: 'A precondition of the operation was not met.' },
  body_too_large: { status: 413, message: 'Request body is too large.' },
  uri_too_long: { status: 414, message: 'Request URL is too long.' },
  unsupported_media_type: { status: 415, message: 'Unsupported content type.' },
  unprocessable: { status: 422, message: 'Target is archived or inactive.' },
  rate_limited: { status: 429, message: 'Rate limit exceeded.' },
  headers_too_large: { status: 431, message: 'Request headers are too large.' },
  internal: { status: 500, message: 'Internal server error.' },
  not_implemented: { status: 501, message: 'Not implemented by walletd.' },
  service_unavailable: { status: 503, message: 'Service unavailable.' },
} as const satisfies Record<string, { status: number; message: string }>

export type ErrorCode = keyof typeof errorCatalog

export type ErrorDetails = Record<string, unknown>

export class AppError extends Error {
  readonly code: ErrorCode
  readonly status: number
  readonly details: ErrorDetails | undefined
  /** Extra response headers (e.g. Retry-After on 429). */
  readonly headers: Record<string, string> | undefined

  constructor(
    code: ErrorCode,
    message?: string,
    options: { details?: ErrorDetails; cause?: unknown; headers?: Record<string, string> } = {},
  ) {
    super(message ?? errorCatalog[code].message, { cause: options.cause })
    this.name = 'AppError'
    this.code = code
    this.status = errorCatalog[code].status
    this.details = options.details
    this.headers = options.headers
  }
}

export function isAppError(err: unknown): err is AppError {
  return err instanceof AppError
}

/** Shorthands for the cases every domain meets. */
export const notFound = (what: string, id: string, details: ErrorDetails = {}) =>
  new AppError('not_found', `${what} ${id} not found`, { details: { id, ...details } })

/**
 * 400 naming the input at fault. `field` is its path inside the body, query or params, as the
 * caller wrote it (`signingKey.curve`, `paginationToken`), never prefixed by where it came from:
 * schema validation says that in `details.location`.
 */
export const invalidField = (field: string, message: string, details: ErrorDetails = {}) =>
  new AppError('validation_failed', message, { details: { field, ...details } })

/** The wire shape of every error walletd returns. */
export interface ErrorBody {
  error: { id: string; status: number; message: string; details: ErrorDetails }
}

/** Server-side codes whose message is still meant for the caller (it names no internals). */
const publicServerCodes: ReadonlySet<ErrorCode> = new Set(['not_implemented', 'service_unavailable'])

export function errorBody(id: string, err: AppError): ErrorBody {
  // A 500 says nothing but its id: internal detail stays in the log.
  if (err.status >= 500 && !publicServerCodes.has(err.code)) {
    return { error: { id, status: err.status, message: errorCatalog.internal.message, details: {} } }
  }
  return { error: { id, status: err.status, message: err.message, details: err.details ?? {} } }
}
