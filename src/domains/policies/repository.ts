/**
 * Policy rows ⇄ Policy objects. JSON columns hold the rule, action and filters exactly as
 * validated, so what is returned is what was accepted (limits already normalized to numbers).
 */
import type { Kysely, Selectable } from 'kysely'
import { fixedQuery, type Params } from '../../db/fixed-query.ts'
import { changingOrgStamp } from '../../db/org-stamps.ts'
import type { Database } from '../../db/schema.ts'
import { RecentMap, rememberedLoad } from '../../recent-map.ts'
import type { Action, ActivityKind, Filters, Rule } from './policy-body.ts'
import type { Policy, PolicyFields, PolicyStatus } from './schemas.ts'

/** How many (org, stamp, activity kind) lists of active policies a node keeps. */
const CACHED_ACTIVE_LISTS = 10_000

type PolicyRow = Selectable<Database['policies']>

function toPolicy(row: PolicyRow): Policy {
  const policy: Policy = {
    id: row.id,
    name: row.name,
    status: row.status as PolicyStatus,
    activityKind: row.activity_kind as ActivityKind,
    rule: JSON.parse(row.rule) as Rule,
    action: JSON.parse(row.action) as Action,
    dateCreated: row.date_created,
    dateUpdated: row.date_updated,
  }
  if (row.filters !== null) policy.filters = JSON.parse(row.filters) as Filters
  return policy
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const inner of Object.values(value)) deepFreeze(inner)
    Object.freeze(value)
  }
  return value
}

export interface ListPoliciesOptions {
  readonly limit: number
  /** Exclusive: the page starts after this id (ids sort by creation time). */
  readonly after?: string
  readonly status?: PolicyStatus
}

export type PolicyRepository = ReturnType<typeof createPolicyRepository>

export function createPolicyRepository(db: Kysely<Database>) {
  // Every governed request reads its org's active policies: built once.
  const activeOf = fixedQuery(db, (p: Params<{ orgId: string; activityKind: ActivityKind }>) =>
    db
      .selectFrom('policies')
      .selectAll()
      .where('org_id', '=', p.orgId)
      .where('activity_kind', '=', p.activityKind)
      .where('status', '=', 'Active'),
  )
  /**
   * The active policies per org, policies stamp and activity kind. Every write below replaces the
   * org's stamp in its own transaction (src/db/org-stamps.ts), and the stamp reaches a request with
   * its token: a request after a change, on any node, brings the new stamp and reads again. The
   * lists are frozen, since requests share them.
   */
  const activeByStamp = new RecentMap<string, Promise<readonly Policy[]>>(CACHED_ACTIVE_LISTS)
  const changing = <T>(orgId: string, change: (trx: Kysely<Database>) => Promise<T>, on = db) =>
    changingOrgStamp(orgId, 'policies_version', change, on)

  async function insert(orgId: string, policy: Policy): Promise<void> {
    await changing(orgId, (trx) => insertRow(trx, orgId, policy))
  }

  async function insertRow(trx: Kysely<Database>, orgId: string, policy: Policy): Promise<void> {
    await trx
      .insertInto('policies')
      .values({
        id: policy.id,
        org_id: orgId,
        name: policy.name,
        status: policy.status,
        activity_kind: policy.activityKind,
        rule: JSON.stringify(policy.rule),
        action: JSON.stringify(policy.action),
        filters: policy.filters === undefined ? null : JSON.stringify(policy.filters),
        date_created: policy.dateCreated,
        date_updated: policy.dateUpdated,
      })
      .execute()
  }

  async function get(orgId: string, id: string, trx: Kysely<Database> = db): Promise<Policy | undefined> {
    const row = await trx
      .selectFrom('policies')
      .selectAll()
      .where('org_id', '=', orgId)
      .where('id', '=', id)
      .executeTakeFirst()
    return row ? toPolicy(row) : undefined
  }

  async function list(orgId: string, options: ListPoliciesOptions): Promise<Policy[]> {
    let query = db.selectFrom('policies').selectAll().where('org_id', '=', orgId)
    if (options.status) query = query.where('status', '=', options.status)
    if (options.after) query = query.where('id', '>', options.after)
    const rows = await query.orderBy('id', 'asc').limit(options.limit).execute()
    return rows.map(toPolicy)
  }

  /**
   * The Active policies of one activity kind: what evaluation reads on every governed request.
   * Given the org's policies stamp as the caller's token carried it, a list read under the same
   * stamp is reused; without one, it is read.
   */
  async function listActive(
    orgId: string,
    activityKind: ActivityKind,
    stamp?: string,
  ): Promise<readonly Policy[]> {
    const read = async () => deepFreeze((await activeOf.all({ orgId, activityKind })).map(toPolicy))
    if (stamp === undefined) return read()
    const key = `${orgId}\n${stamp}\n${activityKind}`
    return rememberedLoad(activeByStamp, key, read)
  }

  /** Full replace of an Active policy; false when it is gone or no longer Active. */
  async function replace(
    orgId: string,
    id: string,
    body: PolicyFields,
    dateUpdated: string,
    on: Kysely<Database> = db,
  ): Promise<boolean> {
    const result = await changing(
      orgId,
      (trx) =>
        trx
          .updateTable('policies')
          .set({
            name: body.name,
            activity_kind: body.activityKind,
            rule: JSON.stringify(body.rule),
            action: JSON.stringify(body.action),
            filters: body.filters === undefined ? null : JSON.stringify(body.filters),
            date_updated: dateUpdated,
          })
          .where('org_id', '=', orgId)
          .where('id', '=', id)
          .where('status', '=', 'Active')
          .executeTakeFirst(),
      on,
    )
    return Number(result.numUpdatedRows) === 1
  }

  async function archive(
    orgId: string,
    id: string,
    dateUpdated: string,
    on: Kysely<Database> = db,
  ): Promise<boolean> {
    const result = await changing(
      orgId,
      (trx) =>
        trx
          .updateTable('policies')
          .set({ status: 'Archived', date_updated: dateUpdated })
          .where('org_id', '=', orgId)
          .where('id', '=', id)
          .where('status', '=', 'Active')
          .executeTakeFirst(),
      on,
    )
    return Number(result.numUpdatedRows) === 1
  }

  /** Forget every cached list (the emulator's reset and snapshot restore replace the database). */
  function clearCache(): void {
    activeByStamp.clear()
  }

  return { insert, get, list, listActive, replace, archive, clearCache }
}
