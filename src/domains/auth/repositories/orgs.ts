import type { Db } from '../../../db/database.ts'
import type { App } from '../model.ts'

/** Organizations and their applications (one default `ServerSideApplication` per org). */
export interface OrgRepository {
  createOrg(input: { id: string; name: string; now: Date }, trx?: Db): Promise<void>
  orgExists(orgId: string): Promise<boolean>
  /** True when the database holds at least one org (start-up bootstraps an empty one). */
  anyOrg(): Promise<boolean>
  createApp(app: App, isDefault: boolean, trx?: Db): Promise<void>
  defaultApp(orgId: string): Promise<App | undefined>
  listApps(orgId: string): Promise<App[]>
  findApp(orgId: string, appId: string): Promise<App | undefined>
}

type AppRow = {
  id: string
  org_id: string
  name: string
  kind: string
  is_active: number
  date_created: string
}

const toApp = (row: AppRow): App => ({
  id: row.id,
  orgId: row.org_id,
  name: row.name,
  kind: row.kind as App['kind'],
  isActive: row.is_active === 1,
  dateCreated: row.date_created,
})

export function createOrgRepository(db: Db): OrgRepository {
  return {
    async createOrg({ id, name, now }, trx = db) {
      await trx.insertInto('orgs').values({ id, name, date_created: now.toISOString() }).execute()
    },
    async orgExists(orgId) {
      const row = await db.selectFrom('orgs').select('id').where('id', '=', orgId).executeTakeFirst()
      return row !== undefined
    },
    async anyOrg() {
      const row = await db.selectFrom('orgs').select('id').limit(1).executeTakeFirst()
      return row !== undefined
    },
    async createApp(app, isDefault, trx = db) {
      await trx
        .insertInto('apps')
        .values({
          id: app.id,
          org_id: app.orgId,
          name: app.name,
          kind: app.kind,
          is_active: app.isActive ? 1 : 0,
          is_default: isDefault ? 1 : 0,
          date_created: app.dateCreated,
        })
        .execute()
    },
    async defaultApp(orgId) {
      const row = await db
        .selectFrom('apps')
        .selectAll()
        .where('org_id', '=', orgId)
        .where('is_default', '=', 1)
        .executeTakeFirst()
      return row ? toApp(row) : undefined
    },
    async listApps(orgId) {
      const rows = await db.selectFrom('apps').selectAll().where('org_id', '=', orgId).orderBy('id').execute()
      return rows.map(toApp)
    },
    async findApp(orgId, appId) {
      const row = await db
        .selectFrom('apps')
        .selectAll()
        .where('org_id', '=', orgId)
        .where('id', '=', appId)
        .executeTakeFirst()
      return row ? toApp(row) : undefined
    },
  }
}
