import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { createTransferRepository } from '../../src/domains/wallets/transfers/repository.ts'
import { createTestDatabase, type TestDatabase, testDialect } from '../helpers/database.ts'

describe(`EVM nonce counter (${testDialect})`, () => {
  let database: TestDatabase
  let dir: string
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'walletd-nonces-'))
    database = await createTestDatabase({ sqliteFile: path.join(dir, 'nonces.sqlite') })
  })
  after(async () => {
    await database.dispose()
    fs.rmSync(dir, { recursive: true, force: true })
  })

  it('60 nonces taken at once (by two nodes on PostgreSQL) are 0..59, each once; a rolled-back take leaves no gap', async () => {
    const other = database.openAnother()
    try {
      // Several nodes share PostgreSQL; SQLite serves one node (two handles in one process would
      // block each other's synchronous busy-wait), whose takers it serialises.
      const nodes = testDialect === 'postgres' ? [database.db, other.db] : [database.db]
      const address = '0x00000000000000000000000000000000000000aa'
      const taken = await Promise.all(
        Array.from({ length: 60 }, async (_, i) => {
          const db = nodes[i % nodes.length]!
          return db
            .transaction()
            .execute((trx) => createTransferRepository(db).takeNonce('EthereumSepolia', address, 0, trx))
        }),
      )
      assert.deepEqual(
        [...taken].sort((a, b) => a - b),
        Array.from({ length: 60 }, (_, i) => i),
      )
      const repo = createTransferRepository(database.db)
      await assert.rejects(
        database.db.transaction().execute(async (trx) => {
          await repo.takeNonce('EthereumSepolia', address, 0, trx)
          throw new Error('signing failed after the take')
        }),
      )
      assert.equal(
        await database.db.transaction().execute((trx) => repo.takeNonce('EthereumSepolia', address, 0, trx)),
        60,
      )
      // The chain is ahead (the address sent elsewhere): the counter jumps to it.
      assert.equal(
        await database.db.transaction().execute((trx) => repo.takeNonce('EthereumSepolia', address, 70, trx)),
        70,
      )
      assert.equal(
        await repo.returnNonce('EthereumSepolia', address, 69),
        false,
        'only the last nonce comes back',
      )
      assert.equal(await repo.returnNonce('EthereumSepolia', address, 70), true)
      assert.equal(
        await database.db.transaction().execute((trx) => repo.takeNonce('EthereumSepolia', address, 0, trx)),
        70,
      )
    } finally {
      await other.close()
    }
  })
})
