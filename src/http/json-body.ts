import type { FastifyInstance, FastifyRequest } from 'fastify'
import secureJson from 'secure-json-parse'
import { AppError } from '../errors.ts'

/**
 * How deeply a request body may nest objects and arrays. The deepest Dfns body (a policy with
 * its rule and filters) nests under ten levels; walking, hashing or canonicalizing a body of
 * thousands of levels would exhaust the stack (a 500), so it is refused before it is parsed.
 */
export const MAX_BODY_DEPTH = 64

/**
 * JSON bodies are parsed here rather than by fastify's default parser so that:
 * - the exact bytes are kept on `request.rawBody` (a user action is bound to them);
 * - a body on any method is accepted (the SDK sends `{}` on DELETE), and an empty one is no body;
 * - malformed JSON becomes a 400 in the error contract with the parser's own reason;
 * - a body nested deeper than MAX_BODY_DEPTH, or with a NUL character in a key or string, is a 400
 *   naming the limit or the field (see `refuseNulCharacters`);
 * - any other content type is a 415.
 * Like fastify's parser it refuses `__proto__` and `constructor.prototype` keys, which could
 * otherwise poison objects built from the body.
 */
export function installJsonBodyParser(app: FastifyInstance): void {
  // The Dfns API takes JSON only: fastify's text/plain parser would hand a string to a route that
  // expects an object; without it such a body is a 415.
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body as string
    request.rawBody = text
    if (text.trim() === '') {
      done(null, undefined)
      return
    }
    if (nestingDepth(text) > MAX_BODY_DEPTH) {
      done(
        new AppError('validation_failed', `Request body nests deeper than ${MAX_BODY_DEPTH} levels.`, {
          details: { field: 'body', location: 'body', rule: 'maxDepth', limit: MAX_BODY_DEPTH },
        }),
        undefined,
      )
      return
    }
    let value: unknown
    try {
      value = secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' })
    } catch (err) {
      done(
        new AppError('invalid_json', `Request body is not valid JSON: ${(err as Error).message}`, {
          details: { contentLength: Buffer.byteLength(text) },
        }),
        undefined,
      )
      return
    }
    // JSON can carry NUL only as the escape \u0000 (a raw control character is invalid JSON), so a
    // body without that escape needs no walk.
    const nulAt = /\\u0000/i.test(text) ? pathToNul(value, 'body') : undefined
    if (nulAt !== undefined) {
      done(nulCharacterError(nulAt, 'body'), undefined)
      return
    }
    done(null, value)
  })
}

/**
 * Text with a NUL character is refused wherever a request carries it: PostgreSQL cannot store
 * NUL in a text column (its driver error was a 500), and SQLite would store what PostgreSQL
 * refuses, so both databases answer the same 400. Bodies are checked by the parser above; this
 * checks the query string and the path parameters, once for every API route.
 */
export function refuseNulCharacters(request: FastifyRequest): void {
  for (const [location, values] of [
    ['querystring', request.query],
    ['params', request.params],
  ] as const) {
    const at = pathToNul(values, location)
    if (at !== undefined) throw nulCharacterError(at, location)
  }
}

/** The message says where (`body.tags.1`); `details.field` is the field alone, as everywhere. */
function nulCharacterError(at: string, location: string): AppError {
  const field = at.startsWith(`${location}.`) ? at.slice(location.length + 1) : at
  return new AppError('validation_failed', `Invalid ${at}: must not contain a NUL character (\\u0000).`, {
    details: { field, location, rule: 'noNulCharacter' },
  })
}

/** The field (`body.a.0.b`) of the first key or string containing NUL, if any. Depth is bounded by the parser. */
function pathToNul(value: unknown, path: string): string | undefined {
  if (typeof value === 'string') return value.includes('\0') ? path : undefined
  if (value === null || typeof value !== 'object') return undefined
  for (const [key, child] of Object.entries(value)) {
    const childPath = `${path}.${key.replaceAll('\0', '\\u0000')}`
    if (key.includes('\0')) return childPath
    const found = pathToNul(child, childPath)
    if (found !== undefined) return found
  }
  return undefined
}

/** The deepest nesting of objects and arrays in JSON text, skipping strings; stops counting past the limit. */
function nestingDepth(text: string): number {
  // A body cannot nest deeper than it has opening brackets: most bodies are decided here.
  if (text.length <= MAX_BODY_DEPTH * 2) return 0
  let depth = 0
  let deepest = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 92 /* \ */) i++
      else if (c === 34 /* " */) inString = false
    } else if (c === 34) inString = true
    else if (c === 123 /* { */ || c === 91 /* [ */) {
      depth++
      if (depth > deepest) {
        deepest = depth
        if (deepest > MAX_BODY_DEPTH) return deepest
      }
    } else if (c === 125 /* } */ || c === 93 /* ] */) depth--
  }
  return deepest
}
