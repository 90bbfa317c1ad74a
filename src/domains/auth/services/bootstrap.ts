import { generateKeyPairSync } from 'node:crypto'
import { newId } from '../../../ids.ts'
import {
  currentOperations,
  DEFAULT_END_USER_PERMISSION,
  defaultEndUserOperations,
  FULL_ADMIN_PERMISSION,
} from '../../permissions/index.ts'
import { type App, lifetimes } from '../model.ts'
import type { AuthDeps } from './context.ts'
import { type IssuanceService, newAccessToken, tokenKeyCredential } from './issuance.ts'
import { newServiceAccountUser } from './service-accounts.ts'

/** What `walletd bootstrap --json` prints and `walletd start` writes to `<data-dir>/bootstrap.json`. */
export interface BootstrapResult {
  orgId: string
  serviceAccount: {
    userId: string
    tokenId: string
    credId: string
    accessToken: string
    /** PKCS#8 PEM of the root service account's key: what `AsymmetricKeySigner` takes. */
    privateKey: string
  }
}

export type BootstrapService = ReturnType<typeof createBootstrapService>

export function createBootstrapService(
  ctx: AuthDeps<'orgs' | 'users' | 'tokens' | 'credentials' | 'permissions', 'db' | 'clock'>,
  { issuance }: { issuance: IssuanceService },
) {
  /**
   * Create a new organization with its default application and a root service account that holds
   * every operation through an immutable `DfnsFullAdminAccess` permission (immutably assigned), and
   * the mutable `DfnsDefaultEndUserAccess` that every new end user receives.
   * Each call makes another, separate org: this is how an operator adds tenants.
   */
  async function bootstrapOrg(
    options: {
      orgName?: string
      /**
       * The emulator's seed: the root's key pair (PEMs) instead of a fresh one, and a token issued
       * at a fixed time with a fixed expiry (deterministic, see TokenService.issue).
       */
      seeded?: { privateKeyPem: string; publicKeyPem: string; issuedAt: Date; expiresAt: Date }
    } = {},
  ): Promise<BootstrapResult> {
    // Key generation stays outside the transaction.
    const pair = options.seeded ? undefined : generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
    const privateKey =
      options.seeded?.privateKeyPem ?? pair!.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
    const publicKey =
      options.seeded?.publicKeyPem ?? pair!.publicKey.export({ type: 'spki', format: 'pem' }).toString()

    const now = ctx.clock.now()
    const orgId = newId('org', now.getTime())
    const app: App = {
      id: newId('app', now.getTime()),
      orgId,
      name: 'Default Application',
      kind: 'ServerSideApplication',
      isActive: true,
      dateCreated: now.toISOString(),
    }
    const root = newServiceAccountUser({ orgId, name: 'root', now })
    const token = newAccessToken({
      orgId,
      userId: root.id,
      appId: app.id,
      kind: 'ServiceAccount',
      name: 'root',
      expiresAt: options.seeded?.expiresAt ?? new Date(now.getTime() + lifetimes.bootstrapToken),
      now,
    })
    const key = tokenKeyCredential(token, publicKey, now)
    root.credentialUuid = key.uuid

    await ctx.db.transaction().execute(async (trx) => {
      await ctx.repos.orgs.createOrg({ id: orgId, name: options.orgName ?? `org ${orgId}`, now }, trx)
      await ctx.repos.orgs.createApp(app, true, trx)
      await ctx.repos.users.create(root, trx)
      await ctx.repos.tokens.create(token, trx)
      await ctx.repos.credentials.create(key, trx)
      const admin = await ctx.repos.permissions.createPermission(
        {
          orgId,
          name: FULL_ADMIN_PERMISSION,
          operations: currentOperations,
          isImmutable: true,
          now,
        },
        trx,
      )
      await ctx.repos.permissions.assign(
        {
          orgId,
          permissionId: admin.id,
          identityId: root.id,
          isImmutable: true,
          now,
        },
        trx,
      )
      await ctx.repos.permissions.createPermission(
        {
          orgId,
          name: DEFAULT_END_USER_PERMISSION,
          operations: defaultEndUserOperations,
          now,
        },
        trx,
      )
    })

    return {
      orgId,
      serviceAccount: {
        userId: root.id,
        tokenId: token.id,
        credId: key.credId,
        accessToken: await issuance.signToken(
          token,
          root.username,
          options.seeded ? { issuedAt: options.seeded.issuedAt } : undefined,
        ),
        privateKey,
      },
    }
  }

  return { bootstrapOrg }
}
