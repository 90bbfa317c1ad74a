import type { KeyRecord } from './repository.ts'
import type { KeyView } from './schemas.ts'

/** The Key object of the reference. */
export function toKeyView(key: KeyRecord): KeyView {
  return {
    id: key.id,
    scheme: key.scheme,
    curve: key.curve,
    publicKey: key.publicKey,
    masterKey: false,
    ...(key.name !== null ? { name: key.name } : {}),
    status: key.status,
    custodial: key.delegatedTo === null,
    dateCreated: key.dateCreated,
    imported: key.imported,
    exported: key.exported,
    ...(key.dateExported ? { dateExported: key.dateExported } : {}),
    ...(key.dateDeleted ? { dateDeleted: key.dateDeleted } : {}),
  }
}
