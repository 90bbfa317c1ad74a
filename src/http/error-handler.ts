import type { Socket } from 'node:net'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { AppError, type ErrorCode, errorBody, errorCatalog, isAppError } from '../errors.ts'
import type { ErrorIdGenerator } from '../ids.ts'
import type { ErrorRecorder } from './error-recorder.ts'
import type { MethodIndex } from './method-index.ts'
import { notServedError, outOfScopeDomainFor } from './out-of-scope.ts'

export interface ErrorHandlingDeps {
  readonly errorIds: ErrorIdGenerator
  readonly recorder: ErrorRecorder
  readonly methods: MethodIndex
}

const JSON_TYPE = 'application/json; charset=utf-8'

/** What a request looked like, for the log line and the recorded row. */
interface RequestFacts {
  readonly method: string
  readonly path: string
  readonly requestId: string
  readonly orgId: string | null
  readonly callerId: string | null
}

type Responder = {
  readonly answer: (request: FastifyRequest, reply: FastifyReply, err: AppError) => FastifyReply
  readonly answerSocket: (socket: Socket, err: AppError, cause: unknown) => void
}

// The two server-level hooks below run before fastify has a route, so they cannot be registered
// with `setErrorHandler`; they find the handling installed on their instance here.
const installed = new WeakMap<object, Responder>()

/**
 * Turns everything that can go wrong, in walletd's code or in fastify itself, into the one error
 * body `{"error":{"id","status","message","details"}}`, logs it with its id and records it.
 *
 * Pass `errorContractServerOptions` to `Fastify()` as well: URLs the router cannot decode and
 * requests Node's HTTP parser rejects (oversized headers, garbage) never reach `setErrorHandler`.
 */
export function installErrorHandling(app: FastifyInstance, deps: ErrorHandlingDeps): void {
  const record = (facts: RequestFacts, err: AppError, log: FastifyInstance['log']): string => {
    const id = deps.errorIds.next()
    // Bookkeeping must never stop the caller from getting the error body.
    try {
      const cause = err.cause
      const fields = {
        errorId: id,
        status: err.status,
        code: err.code,
        method: facts.method,
        path: facts.path,
        orgId: facts.orgId ?? undefined,
        callerId: facts.callerId ?? undefined,
        details: err.details,
        ...(cause === undefined ? {} : { err: cause }),
      }
      if (err.status >= 500 && err.code !== 'not_implemented') log.error(fields, err.message)
      else log.info(fields, err.message)
      deps.recorder.record({
        id,
        status: err.status,
        code: err.code,
        method: facts.method,
        path: facts.path,
        orgId: facts.orgId,
        callerId: facts.callerId,
        requestId: facts.requestId,
        message: err.message,
        details: err.details ?? {},
        cause: cause === undefined ? null : describeCause(cause),
      })
    } catch (bookkeepingError) {
      log.error({ err: bookkeepingError, errorId: id }, 'could not log or record an error')
    }
    return id
  }

  const answer = (request: FastifyRequest, reply: FastifyReply, err: AppError): FastifyReply => {
    const facts: RequestFacts = {
      method: request.method,
      path: pathOf(request.url),
      requestId: String(request.id),
      orgId: request.caller?.orgId ?? null,
      callerId: request.caller?.userId ?? null,
    }
    const id = record(facts, err, request.log)
    if (err.headers) reply.headers(err.headers)
    // Sent as a string so that no route's response schema can reshape or strip the error body.
    return reply
      .code(err.status)
      .type(JSON_TYPE)
      .send(JSON.stringify(errorBody(id, err)))
  }

  const answerSocket = (socket: Socket, err: AppError, cause: unknown): void => {
    const facts: RequestFacts = { method: '-', path: '-', requestId: '-', orgId: null, callerId: null }
    const withCause = new AppError(err.code, err.message, { details: err.details, cause })
    const id = record(facts, withCause, app.log)
    // A response already under way cannot be replaced by an error: the connection is just closed.
    const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage
    if (!socket.writable || inFlight?.headersSent) return
    const body = JSON.stringify(errorBody(id, err))
    socket.end(
      `HTTP/1.1 ${err.status} ${statusText(err.status)}\r\nContent-Type: ${JSON_TYPE}\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    )
  }

  installed.set(app, { answer, answerSocket })

  app.setErrorHandler((error, request, reply) => {
    // On a path nobody serves, the missing route is the caller's real mistake, even when the
    // body could not be parsed (fastify parses bodies before it reaches the not-found handler).
    if (request.is404) return answer(request, reply, routeMiss(request, deps.methods))
    return answer(request, reply, toAppError(error, request))
  })

  app.setNotFoundHandler((request, reply) => answer(request, reply, routeMiss(request, deps.methods)))
}

/**
 * Fastify constructor options that complete the error contract for failures that happen before
 * routing: a URL with invalid percent-encoding or an over-long parameter (`frameworkErrors`), and
 * what Node's HTTP parser refuses — oversized headers (431), a request that takes too long (408),
 * malformed HTTP (400) — (`clientErrorHandler`). Fastify's defaults answer those with its own shape.
 */
export const errorContractServerOptions = {
  frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
    const responder = installed.get(request.server)
    if (!responder) throw new Error('installErrorHandling() was not called on this fastify instance')
    const path = pathOf(request.raw.url ?? '')
    let err: AppError
    if (error.code === 'FST_ERR_BAD_URL') {
      err = new AppError('bad_request', 'Request URL is malformed: it has an invalid percent-encoding.', {
        details: { path },
      })
    } else if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
      err = new AppError('uri_too_long', 'A path parameter of the request URL is too long.', {
        details: { path: path.slice(0, 200) },
      })
    } else {
      err = new AppError('internal', undefined, { cause: error })
    }
    responder.answer(request, reply, err)
  },

  clientErrorHandler(this: FastifyInstance, error: NodeJS.ErrnoException, socket: Socket): void {
    // A connection the client reset has nobody left to answer.
    if (error.code === 'ECONNRESET' || socket.destroyed) return
    const responder = installed.get(this)
    let err: AppError
    if (error.code === 'HPE_HEADER_OVERFLOW') {
      err = new AppError('headers_too_large', 'Request headers are larger than this server accepts.')
    } else if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
      err = new AppError('request_timeout')
    } else {
      err = new AppError('bad_request', 'Request is not valid HTTP.', { details: { reason: error.code } })
    }
    if (responder) responder.answerSocket(socket, err, error)
    socket.destroy()
  },
}

function statusText(status: number): string {
  const texts: Record<number, string> = {
    400: 'Bad Request',
    408: 'Request Timeout',
    431: 'Request Header Fields Too Large',
  }
  return texts[status] ?? 'Error'
}

function pathOf(url: string): string {
  const q = url.indexOf('?')
  return q === -1 ? url : url.slice(0, q)
}

/** The error for a request no route matched: 501 for a Dfns domain walletd leaves out, else 405 or 404. */
function routeMiss(request: FastifyRequest, methods: MethodIndex): AppError {
  const path = pathOf(request.url)
  const domain = outOfScopeDomainFor(path)
  if (domain) return notServedError(domain, request.method, path)
  const allowed = methods.allowed(path)
  if (allowed.length > 0) {
    return new AppError('method_not_allowed', `Method ${request.method} is not allowed on ${path}.`, {
      details: { method: request.method, path, allowed },
      headers: { allow: allowed.join(', ') },
    })
  }
  return new AppError('route_not_found', `No route ${request.method} ${path}.`, {
    details: { method: request.method, path },
  })
}

function describeCause(cause: unknown): string {
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code
    const head = `${cause.name}${typeof code === 'string' ? ` [${code}]` : ''}: ${cause.message}`
    // The stack's first line repeats name and message; keep only the frames.
    const frames = cause.stack?.split('\n').filter((line) => line.startsWith('    at ')) ?? []
    return [head, ...frames].join('\n').slice(0, 8000)
  }
  try {
    return JSON.stringify(cause).slice(0, 8000)
  } catch {
    return String(cause).slice(0, 8000)
  }
}

interface AjvError {
  instancePath?: string
  schemaPath?: string
  keyword?: string
  params?: Record<string, unknown>
  message?: string
}

/** For a 4xx raised by a plugin (e.g. @fastify/rate-limit's 429), the catalog code of that status. */
const codeForStatus = new Map<number, ErrorCode>()
for (const [code, entry] of Object.entries(errorCatalog) as [ErrorCode, { status: number }][]) {
  if (!codeForStatus.has(entry.status)) codeForStatus.set(entry.status, code)
}
codeForStatus.set(400, 'bad_request')

/** Map anything thrown onto the catalog; a genuine bug (no 4xx status) becomes a 500 with its cause. */
function toAppError(error: unknown, request: FastifyRequest): AppError {
  if (isAppError(error)) return error
  const fe = (error ?? {}) as Partial<FastifyError>
  if (fe.validation) return validationError(fe as FastifyError)
  switch (fe.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new AppError('invalid_json', `Request body is not valid JSON: ${fe.message}`)
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new AppError('invalid_json', 'Request body is empty but the content type is application/json.')
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AppError('body_too_large', 'Request body is larger than this server accepts.', {
        details: { limitBytes: request.routeOptions.bodyLimit },
      })
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new AppError('unsupported_media_type', 'Request bodies must be sent as application/json.', {
        details: { contentType: String(request.headers['content-type'] ?? '').slice(0, 200) },
      })
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new AppError('bad_request', 'Content-Length does not match the body sent.')
    default:
      break
  }
  const status = fe.statusCode
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const code = codeForStatus.get(status) ?? 'bad_request'
    return new AppError(code, fe.message || errorCatalog[code].message, { cause: error })
  }
  return new AppError('internal', undefined, { cause: error })
}

function validationError(error: FastifyError): AppError {
  const errors = error.validation as AjvError[]
  const first = errors[0] ?? {}
  const context = error.validationContext ?? 'body'
  const field = fieldOf(first)
  const rule = first.keyword ?? 'invalid'
  // The message says where the field is (`body.name`); `details.field` is the field alone, as
  // every error raised by a service names it (`invalidField`), with the place in `location`.
  return new AppError(
    'validation_failed',
    `Invalid ${[context, field].filter(Boolean).join('.')}: ${first.message ?? 'is invalid'}.`,
    {
      details: {
        field,
        location: context,
        rule,
        ...(first.params && Object.keys(first.params).length > 0 ? { params: first.params } : {}),
        errors: errors.slice(0, 10).map((e) => ({ field: fieldOf(e), rule: e.keyword, message: e.message })),
      },
    },
  )
}

/** A readable field name: `signingKey.curve`, `limit`, `walletId` (its location is said apart). */
function fieldOf(e: AjvError): string {
  const pointer = (e.instancePath ?? '').split('/').filter(Boolean).join('.')
  const missing = e.keyword === 'required' ? String(e.params?.missingProperty ?? '') : ''
  const extra = e.keyword === 'additionalProperties' ? String(e.params?.additionalProperty ?? '') : ''
  return [pointer, missing || extra].filter(Boolean).join('.')
}
