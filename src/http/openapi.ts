import type { FastifyDynamicSwaggerOptions } from '@fastify/swagger'
import { errorCatalog } from '../errors.ts'
import { emulatorRoutes, errorStatusesOf, operationalRoutes, routeKey, routeTable } from './route-table.ts'

/** The error body every status other than 2xx carries (the error contract, see the README). */
const errorResponse = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['id', 'status', 'message', 'details'],
      properties: {
        id: { type: 'string', description: 'The error id, for `walletd errors show`.' },
        status: { type: 'integer' },
        message: { type: 'string' },
        details: { type: 'object', additionalProperties: true },
      },
    },
  },
} as const

const statusDescription = new Map<number, string>()
for (const entry of Object.values(errorCatalog)) {
  if (!statusDescription.has(entry.status)) statusDescription.set(entry.status, entry.message)
}
statusDescription.set(400, 'Invalid input; `details.field` names the field.')
statusDescription.set(501, 'A Dfns domain walletd does not serve; `details.domain` names it.')

/**
 * The OpenAPI document is made from the route table: each route's SDK method is its
 * `operationId`, with its summary and every error response it can give. Documentation only: the
 * routes' own response schemas, which serialize, are untouched.
 */
export function openApiOptions(publicUrl: string): FastifyDynamicSwaggerOptions {
  return {
    openapi: {
      info: { title: 'walletd', version: '0.1.0', description: 'A self-hostable server for the Dfns API.' },
      servers: [{ url: publicUrl }],
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
          // The deployment's operator token (development profile), for the /emulator controls.
          operator: { type: 'http', scheme: 'bearer' },
        },
      },
    },
    transform: ({ schema, url, route }) => {
      const method = Array.isArray(route.method) ? route.method[0] : route.method
      const key = routeKey(String(method), url)
      const base = { ...(schema ?? {}) } as Record<string, unknown>
      delete base.hide
      // HEAD is the GET route answered without a body: one operation is enough.
      if (method === 'HEAD') return { schema: { ...base, hide: true }, url }
      const operational = operationalRoutes.get(key)
      if (operational !== undefined) {
        return { schema: { ...base, tags: ['operations'], summary: operational }, url }
      }
      if (emulatorRoutes.has(key)) {
        const responses = { ...((base.response as object | undefined) ?? {}) } as Record<string, unknown>
        responses['401'] = { description: 'The operator token is missing or wrong.', ...errorResponse }
        return {
          schema: { ...base, tags: ['emulator'], security: [{ operator: [] }], response: responses },
          url,
        }
      }
      const rule = routeTable[key]
      if (!rule) return { schema: base, url }
      const responses: Record<string, unknown> = { ...((base.response as object | undefined) ?? {}) }
      for (const status of errorStatusesOf(key, rule)) {
        responses[String(status)] = {
          description: statusDescription.get(status) ?? 'Error',
          ...errorResponse,
        }
      }
      return {
        schema: {
          ...base,
          operationId: rule.sdk,
          summary: rule.summary,
          tags: [rule.sdk.split('.')[0]],
          ...(rule.auth === 'none' ? {} : { security: [{ bearer: [] }] }),
          response: responses,
        },
        url,
      }
    },
  }
}
