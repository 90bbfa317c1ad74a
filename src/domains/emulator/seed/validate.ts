import { findNetwork } from '../../../chains/networks.ts'
import { DEFAULT_END_USER_PERMISSION, FULL_ADMIN_PERMISSION } from '../../permissions/index.ts'
import { checkSchema, seedError } from './errors.ts'
import { type Seed, SeedSchema } from './schema.ts'

const BUILT_IN_PERMISSIONS = [FULL_ADMIN_PERMISSION, DEFAULT_END_USER_PERMISSION]

/**
 * The whole seed is checked before anything is written: the schema, then what a schema cannot say
 * (unique keys and names, references to permissions and end users, networks, balances only where
 * the dev chain runs). Each error names its JSON path.
 */
export function checkSeed(input: unknown, options: { hasDevChain: (network: string) => boolean }): Seed {
  checkSchema(SeedSchema, input)
  const seed = input as Seed
  const unique = (seen: Set<string>, value: string, field: string, what: string) => {
    if (seen.has(value)) throw seedError(field, `another ${what} already has ${JSON.stringify(value)}`)
    seen.add(value)
  }
  const orgKeys = new Set<string>()
  for (const [i, org] of seed.orgs.entries()) {
    const path = `orgs[${i}]`
    unique(orgKeys, org.key, `${path}.key`, 'org')
    const permissions = new Set<string>(BUILT_IN_PERMISSIONS)
    for (const [j, p] of (org.permissions ?? []).entries()) {
      unique(permissions, p.name, `${path}.permissions[${j}].name`, 'permission of this org')
    }
    const known = (names: readonly string[] | undefined, where: string) => {
      for (const [k, name] of (names ?? []).entries()) {
        if (!permissions.has(name)) {
          throw seedError(
            `${where}.permissions[${k}]`,
            `names no permission of this org (${JSON.stringify(name)})`,
          )
        }
      }
      const twice = new Set<string>()
      for (const [k, name] of (names ?? []).entries())
        unique(twice, name, `${where}.permissions[${k}]`, 'entry')
    }
    const accounts = new Set<string>(['root'])
    for (const [j, sa] of (org.serviceAccounts ?? []).entries()) {
      const where = `${path}.serviceAccounts[${j}]`
      unique(accounts, sa.name, `${where}.name`, 'service account of this org (root included)')
      known(sa.permissions, where)
    }
    const emails = new Set<string>()
    const endUsers = new Set<string>()
    for (const [j, u] of (org.users ?? []).entries()) {
      const where = `${path}.users[${j}]`
      unique(emails, u.email.toLowerCase(), `${where}.email`, 'user of this org')
      if (u.kind === 'EndUser') {
        if (!u.publicKey) throw seedError(`${where}.publicKey`, 'is required for an EndUser')
        endUsers.add(u.email.toLowerCase())
      }
      if (u.credId && !u.publicKey) throw seedError(`${where}.credId`, 'needs publicKey')
      known(u.permissions, where)
    }
    const wallets = new Set<string>()
    for (const [j, w] of (org.wallets ?? []).entries()) {
      const where = `${path}.wallets[${j}]`
      unique(wallets, w.key, `${where}.key`, 'wallet of this org')
      const network = findNetwork(w.network)
      if (!network)
        throw seedError(`${where}.network`, `${JSON.stringify(w.network)} is not a supported network`)
      if (w.delegateTo && !endUsers.has(w.delegateTo.toLowerCase())) {
        throw seedError(`${where}.delegateTo`, 'names no EndUser of this org in the seed')
      }
      if (w.balance !== undefined && !options.hasDevChain(network.name)) {
        throw seedError(
          `${where}.balance`,
          `${network.name} is not served by the dev chain here, so walletd cannot set a balance on it`,
        )
      }
    }
  }
  return seed
}
