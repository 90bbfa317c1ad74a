import type { Migration, MigrationProvider } from 'kysely'
import * as foundation from './0001-foundation.ts'

/**
 * The one migration set, applied in name order on SQLite and PostgreSQL alike.
 * Add a file `NNNN-<name>.ts` exporting `up` and list it here.
 */
const migrations: Record<string, Migration> = {
  '0001-foundation': foundation,
}

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
}
