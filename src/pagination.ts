import { AppError } from './errors.ts'
import { decodePaginationToken, encodePaginationToken } from './ids.ts'

export interface Page<T> {
  items: T[]
  nextPageToken?: string
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
  if (query.paginationToken === undefined) return { limit, beforeId: undefined }
  const beforeId = decodePaginationToken(query.paginationToken)
  if (!beforeId) {
    throw new AppError(
      'validation_failed',
      'Invalid query.paginationToken: not a token this server issued.',
      {
        details: { field: 'paginationToken' },
      },
    )
  }
  return { limit, beforeId }
}
