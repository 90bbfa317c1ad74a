import { readdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'

/** One method of `DfnsApiClient`, as the installed SDK's generated client implements it. */
export interface SdkMethod {
  /** `client.method`, e.g. `wallets.transferAsset`. */
  readonly name: string
  readonly method: string
  /** The path with the SDK's parameter names, e.g. `/wallets/:walletId/transfers`. */
  readonly path: string
  /** Whether the SDK runs the user-action signing flow before the request. */
  readonly userAction: boolean
}

/**
 * Every method of the installed SDK's generated clients (`generated/<client>/client.js`), read
 * from their source, so a new SDK version's methods show up without anyone listing them. A
 * deprecated alias (`return this.other(request)`) is skipped: it calls the method it names.
 */
export function sdkMethods(): SdkMethod[] {
  const require = createRequire(import.meta.url)
  const root = path.join(path.dirname(require.resolve('@dfns/sdk/package.json')), 'generated')
  const methods: SdkMethod[] = []
  for (const client of readdirSync(root)) {
    const source = readFileSync(path.join(root, client, 'client.js'), 'utf8')
    for (const block of source.split(/\n {4}(?=async \w+\()/).slice(1)) {
      const name = /^async (\w+)/.exec(block)?.[1]
      if (!name) continue
      if (/^async \w+\([^)]*\) \{\s*return this\.\w+\(/.test(block)) continue
      const url = /buildPathAndQuery\)\('([^']+)'/.exec(block)?.[1]
      const method = /method: '(\w+)'/.exec(block)?.[1]
      if (!url || !method) throw new Error(`cannot read ${client}.${name} from the SDK's source`)
      methods.push({
        name: `${client}.${name}`,
        method,
        path: url,
        userAction: /userActionFetch\)/.test(block),
      })
    }
  }
  if (methods.length < 150)
    throw new Error(`only ${methods.length} SDK methods read: has the SDK's layout changed?`)
  return methods
}

/** A route key with its parameter names erased, to compare the SDK's paths with the table's. */
export const shapeOf = (key: string) => key.replace(/:\w+/g, ':')
