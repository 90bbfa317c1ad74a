import type { FastifyInstance } from 'fastify'
import secureJson from 'secure-json-parse'
import { AppError } from '../errors.ts'

/**
 * JSON bodies are parsed here rather than by fastify's default parser so that:
 * - the exact bytes are kept on `request.rawBody` (a user action is bound to them);
 * - a body on any method is accepted (the SDK sends `{}` on DELETE), and an empty one is no body;
 * - malformed JSON becomes a 400 in the error contract with the parser's own reason;
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
    try {
      done(null, secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' }))
    } catch (err) {
      done(
        new AppError('invalid_json', `Request body is not valid JSON: ${(err as Error).message}`, {
          details: { contentLength: Buffer.byteLength(text) },
        }),
        undefined,
      )
    }
  })
}
