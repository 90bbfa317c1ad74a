import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { AppError, errorBody, isAppError } from '../errors.ts'
import type { ErrorIdGenerator } from '../ids.ts'
import type { ErrorRecorder } from './error-recorder.ts'
import type { MethodIndex } from './method-index.ts'
import { outOfScopeDomainFor } from './out-of-scope.ts'

/**
 * Turns everything that can go wrong, in walletd's code or in fastify itself, into the one error
 * body `{"error":{"id","status","message","details"}}`, logs it with its id and records it.
 */
export function installErrorHandling(
  app: FastifyInstance,
  deps: { errorIds: ErrorIdGenerator; recorder: ErrorRecorder; methods: MethodIndex },
): void {
  const send = (request: FastifyRequest, reply: FastifyReply, err: AppError, cause?: unknown) => {
    const id = deps.errorIds.next()
    const body = errorBody(id, err)
    const path = request.url.split('?')[0] ?? request.url
    const logFields = {
      errorId: id,
      status: err.status,
      code: err.code,
      method: request.method,
      path,
      orgId: request.caller?.orgId,
      callerId: request.caller?.userId,
      details: err.details,
    }
    const internalCause = cause ?? err.cause
    if (err.code === 'internal') request.log.error({ ...logFields, err: internalCause ?? err }, err.message)
    else request.log.info(logFields, err.message)
    deps.recorder.record({
      id,
      status: err.status,
      code: err.code,
      method: request.method,
      path,
      orgId: request.caller?.orgId ?? null,
      callerId: request.caller?.userId ?? null,
      requestId: String(request.id),
      message: err.message,
      details: err.details ?? {},
      cause: internalCause === undefined ? null : describeCause(internalCause),
    })
    if (err.headers) reply.headers(err.headers)
    return reply.code(err.status).type('application/json; charset=utf-8').send(body)
  }

  app.setErrorHandler((error, request, reply) => {
    if (isAppError(error)) return send(request, reply, error)
    const mapped = fromFrameworkError(error as FastifyError)
    if (mapped) return send(request, reply, mapped)
    return send(request, reply, new AppError('internal', undefined, { cause: error }), error)
  })

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? request.url
    const domain = outOfScopeDomainFor(path)
    if (domain) {
      return send(
        request,
        reply,
        new AppError(
          'not_implemented',
          `The ${domain} domain of the Dfns API is not implemented by walletd.`,
          {
            details: { domain, method: request.method, path },
          },
        ),
      )
    }
    const allowed = deps.methods.allowed(path)
    if (allowed.length > 0) {
      return send(
        request,
        reply,
        new AppError('method_not_allowed', `Method ${request.method} is not allowed on ${path}.`, {
          details: { method: request.method, path, allowed },
          headers: { allow: allowed.join(', ') },
        }),
      )
    }
    return send(
      request,
      reply,
      new AppError('route_not_found', `No route ${request.method} ${path}.`, {
        details: { method: request.method, path },
      }),
    )
  })
}

function describeCause(cause: unknown): string {
  if (cause instanceof Error) return `${cause.name}: ${cause.message}\n${cause.stack ?? ''}`.slice(0, 8000)
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

/** Map what fastify raises by itself onto the catalog; undefined for a genuine bug (→ 500). */
function fromFrameworkError(error: FastifyError): AppError | undefined {
  if (error.validation) {
    const first = (error.validation as AjvError[])[0] ?? {}
    const context = (error as { validationContext?: string }).validationContext ?? 'body'
    const field = fieldOf(context, first)
    const rule = first.keyword ?? 'invalid'
    const reason = first.message ?? 'is invalid'
    return new AppError('validation_failed', `Invalid ${field}: ${reason}.`, {
      details: {
        field,
        location: context,
        rule,
        ...(first.params && Object.keys(first.params).length > 0 ? { params: first.params } : {}),
        errors: (error.validation as AjvError[]).slice(0, 10).map((e) => ({
          field: fieldOf(context, e),
          rule: e.keyword,
          message: e.message,
        })),
      },
    })
  }
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new AppError('invalid_json', `Request body is not valid JSON: ${error.message}`)
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new AppError('invalid_json', 'Request body is empty but the content type is application/json.')
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AppError('body_too_large', 'Request body is larger than this server accepts.', {
        details: { limitBytes: (error as { bodyLimit?: number }).bodyLimit },
      })
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new AppError(
        error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' ? 'unsupported_media_type' : 'bad_request',
        error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE'
          ? 'Request bodies must be sent as application/json.'
          : 'Content-Length does not match the body sent.',
      )
    case 'FST_ERR_BAD_URL':
      return new AppError('bad_request', 'Request URL is malformed.')
    default:
      break
  }
  const status = error.statusCode
  if (status === 413) return new AppError('body_too_large')
  if (status === 415) return new AppError('unsupported_media_type')
  if (status !== undefined && status >= 400 && status < 500) {
    return new AppError('bad_request', error.message)
  }
  return undefined
}

/** A readable field name: `body.signingKey.curve`, `query.limit`, `params.walletId`. */
function fieldOf(context: string, e: AjvError): string {
  const pointer = (e.instancePath ?? '').split('/').filter(Boolean).join('.')
  const missing = e.keyword === 'required' ? String(e.params?.missingProperty ?? '') : ''
  const extra = e.keyword === 'additionalProperties' ? String(e.params?.additionalProperty ?? '') : ''
  return [context, pointer, missing || extra].filter(Boolean).join('.')
}
