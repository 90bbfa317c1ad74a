import assert from 'node:assert/strict'
import fs from 'node:fs'
import { describe, it } from 'node:test'
import Ajv2020 from 'ajv/dist/2020.js'
import { seedSchemaFile, seedSchemaText } from '../../../scripts/seed-schema.ts'
import { newKey } from '../../helpers/sdk.ts'
import { testSeed } from '../../helpers/seed.ts'

describe('the shipped seed JSON Schema', () => {
  it('is the schema walletd validates with (regenerate with npm run seed-schema)', () => {
    assert.equal(fs.readFileSync(seedSchemaFile, 'utf8'), seedSchemaText())
  })

  it('is a JSON Schema a standard validator uses: accepts a seed, refuses a bad private key', () => {
    const ajv = new Ajv2020.default({ strict: false })
    const validate = ajv.compile(JSON.parse(fs.readFileSync(seedSchemaFile, 'utf8')))
    const seed = testSeed(newKey('p256').publicKey)
    assert.equal(validate(seed), true, JSON.stringify(validate.errors))
    seed.orgs[0]!.wallets[0]!.privateKey = '0x12'
    assert.equal(validate(seed), false)
    assert.equal(validate.errors?.[0]?.instancePath, '/orgs/0/wallets/0/privateKey')
  })
})
