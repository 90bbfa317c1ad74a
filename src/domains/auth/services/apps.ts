import { AppError } from '../../../errors.ts'
import type { Caller } from '../../../http/context.ts'
import type { AppView } from '../schemas.ts'
import type { AuthDeps } from './context.ts'
import { appView } from './views.ts'

export type AppService = ReturnType<typeof createAppService>

/** Applications are read-only: one default ServerSideApplication per org, made at bootstrap. */
export function createAppService(ctx: AuthDeps<'orgs'>) {
  async function listApps(caller: Caller): Promise<{ items: AppView[] }> {
    return { items: (await ctx.repos.orgs.listApps(caller.orgId)).map(appView) }
  }

  async function getApp(caller: Caller, appId: string): Promise<AppView> {
    const found = await ctx.repos.orgs.findApp(caller.orgId, appId)
    if (!found) {
      throw new AppError('not_found', `app ${appId} not found`, { details: { appId, orgId: caller.orgId } })
    }
    return appView(found)
  }

  return { listApps, getApp }
}
