import type { Migration, MigrationProvider } from 'kysely'
import * as foundation from './0001-foundation.ts'
import * as auth from './0002-auth.ts'
import * as custody from './0003-custody.ts'
import * as plans from './0004-plans.ts'
import * as policies from './0006-policies.ts'
import * as wallets from './0007-wallets.ts'
import * as firstStart from './0008-first-start.ts'
import * as authChallengeLimits from './0010-auth-challenge-limits.ts'
import * as authCodes from './0011-auth-codes.ts'
import * as authCodesUnique from './0012-auth-codes-unique.ts'
import * as userActionChallenge from './0013-user-action-challenge.ts'
import * as signatureLeases from './0020-signature-leases.ts'
import * as chainHistory from './0021-chain-history.ts'
import * as chainEventPrices from './0022-chain-event-prices.ts'
import * as masterKeyCheck from './0030-master-key-check.ts'
import * as permissionsVersion from './0035-permissions-version.ts'
import * as jobs from './0040-jobs.ts'
import * as transfers from './0041-transfers.ts'
import * as webhooks from './0050-webhooks.ts'
import * as policiesVersion from './0060-policies-version.ts'
import * as velocityBucketTriggers from './0061-velocity-bucket-triggers.ts'

/**
 * The one migration set, applied in name order on SQLite and PostgreSQL alike.
 * Add a file `NNNN-<name>.ts` exporting `up` and list it here.
 */
const migrations: Record<string, Migration> = {
  '0001-foundation': foundation,
  '0002-auth': auth,
  '0003-custody': custody,
  '0004-plans': plans,
  '0006-policies': policies,
  '0007-wallets': wallets,
  '0008-first-start': firstStart,
  '0010-auth-challenge-limits': authChallengeLimits,
  '0011-auth-codes': authCodes,
  '0012-auth-codes-unique': authCodesUnique,
  '0013-user-action-challenge': userActionChallenge,
  '0020-signature-leases': signatureLeases,
  '0021-chain-history': chainHistory,
  '0022-chain-event-prices': chainEventPrices,
  '0030-master-key-check': masterKeyCheck,
  '0035-permissions-version': permissionsVersion,
  '0040-jobs': jobs,
  '0041-transfers': transfers,
  '0050-webhooks': webhooks,
  '0060-policies-version': policiesVersion,
  '0061-velocity-bucket-triggers': velocityBucketTriggers,
}

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
}
