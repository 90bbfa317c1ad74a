import type { Db } from '../../../db/database.ts'

/** Which user of an org an OpenID Connect identity (issuer + subject) is. */
export interface OidcIdentityRepository {
  findUserId(orgId: string, issuer: string, subject: string): Promise<string | undefined>
  /** Link, unless this identity is already linked (then nothing changes). */
  link(
    input: { orgId: string; issuer: string; subject: string; userId: string; now: Date },
    trx?: Db,
  ): Promise<void>
}

export function createOidcIdentityRepository(db: Db): OidcIdentityRepository {
  return {
    async findUserId(orgId, issuer, subject) {
      const row = await db
        .selectFrom('auth_oidc_identities')
        .select('user_id')
        .where('org_id', '=', orgId)
        .where('issuer', '=', issuer)
        .where('subject', '=', subject)
        .executeTakeFirst()
      return row?.user_id
    },
    async link(input, trx = db) {
      await trx
        .insertInto('auth_oidc_identities')
        .values({
          org_id: input.orgId,
          issuer: input.issuer,
          subject: input.subject,
          user_id: input.userId,
          date_created: input.now.toISOString(),
        })
        .onConflict((oc) => oc.columns(['org_id', 'issuer', 'subject']).doNothing())
        .execute()
    },
  }
}
