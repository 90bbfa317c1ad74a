import { type TProperties, type TSchema, Type } from 'typebox'
import { invalidField } from './errors.ts'
import { decodePaginationToken, encodePaginationToken } from './ids.ts'

export interface Page<T> {
  items: T[]
  nextPageToken?: string
}

export const MAX_PAGE_SIZE = 500
/** Tokens are a base64url id (at most ~100 characters); anything longer is not one of ours. */
const PaginationToken = Type.String({ minLength: 1, maxLength: 200 })

/** The query of every list route: `limit` and `paginationToken`, plus the route's own filters. */
export const pageQuery = <P extends TProperties>(filters: P) =>
  Type.Object({
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE_SIZE })),
    paginationToken: Type.Optional(PaginationToken),
    ...filters,
  })

export const PageQuery = pageQuery({})

/** The response of every list route. */
export const pageSchema = <T extends TSchema>(item: T) =>
  Type.Object({ items: Type.Array(item), nextPageToken: Type.Optional(Type.String()) })

/**
 * The cursor a `paginationToken` carries: the last id of the previous page (ids are time-ordered).
 * A token this server did not issue is a 400 naming the field.
 */
export function cursorOf(token: string | undefined): string | undefined {
  if (token === undefined) return undefined
  const id = decodePaginationToken(token)
  if (!id) {
    throw invalidField('paginationToken', 'Invalid paginationToken: it is not a token this server issued.', {
      location: 'querystring',
    })
  }
  return id
}

/**
 * Lists read one row more than the page: the extra row only says that a next page exists, so
 * `nextPageToken` is left out on the last page exactly. The token is the page's last id (ids are
 * time-ordered, so it is a cursor).
 */
export function pageOf<T extends { id: string }>(rows: T[], limit: number): Page<T> {
  if (rows.length <= limit) return { items: rows }
  const items = rows.slice(0, limit)
  return { items, nextPageToken: encodePaginationToken(items[items.length - 1]!.id) }
}

/**
 * The cursor of a page request: the last id of the previous page (ids are time-ordered). A token
 * this server did not issue is a 400 naming `paginationToken`.
 */
export function pageCursor(
  query: { limit?: number; paginationToken?: string },
  defaultLimit: number,
): { limit: number; beforeId: string | undefined } {
  const limit = query.limit ?? defaultLimit
  return { limit, beforeId: cursorOf(query.paginationToken) }
}
