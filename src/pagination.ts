import { encodePaginationToken } from './ids.ts'

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
