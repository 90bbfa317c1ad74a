/**
 * Writes schemas/seed.schema.json from the TypeBox schema the seed is validated with
 * (`npm run seed-schema`); a unit test fails when the shipped file and the schema differ.
 */
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { SeedSchema } from '../src/domains/emulator/seed/schema.ts'

export const seedSchemaFile = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../schemas/seed.schema.json',
)

export function seedSchemaText(): string {
  return `${JSON.stringify({ $schema: 'https://json-schema.org/draft/2020-12/schema', ...SeedSchema }, null, 2)}\n`
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  fs.writeFileSync(seedSchemaFile, seedSchemaText())
  process.stdout.write(`wrote ${seedSchemaFile}\n`)
}
