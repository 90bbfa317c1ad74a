import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { ManualClock } from '../../../src/clock.ts'
import { SecretBox } from '../../../src/custody/secret-box.ts'
import { createSigningKeyRepository } from '../../../src/domains/auth/repositories/signing-keys.ts'
import {
  APP_METADATA_CLAIM,
  resealSigningKeys,
  TokenService,
} from '../../../src/domains/auth/services/token-service.ts'
import { AppError } from '../../../src/errors.ts'
import { createTestDatabase, type TestDatabase, testDialect } from '../../helpers/database.ts'

const claims = {
  orgId: 'or-1',
  userId: 'us-1',
  tokenId: 'to-1',
  tokenKind: 'ServiceAccount' as const,
  appId: 'ap-1',
  username: 'root',
}
const rejects401 = (message: RegExp) => (err: unknown) =>
  err instanceof AppError && err.status === 401 && message.test(err.message)

describe(`token service (${testDialect})`, () => {
  let database: TestDatabase
  const secrets = new SecretBox(randomBytes(32))
  const clock = new ManualClock(Date.parse('2026-01-01T00:00:00Z'))
  const service = (region = 'local', db = database.db) =>
    new TokenService({
      keys: createSigningKeyRepository(db),
      secrets,
      clock,
      region,
      publicUrl: `https://${region}.example`,
    })

  before(async () => {
    database = await createTestDatabase()
  })
  after(() => database.dispose())

  it('issues ES256 JWTs with the claims the SDK reads, and verifies them until exp', async () => {
    const tokens = service()
    const jwt = await tokens.issue(claims, new Date(clock.now().getTime() + 60_000))
    const [header, payload] = jwt
      .split('.')
      .slice(0, 2)
      .map((p) => JSON.parse(Buffer.from(p, 'base64url').toString()))
    assert.equal(header.alg, 'ES256')
    assert.equal(payload.iss, 'walletd:local')
    assert.equal(payload.sub, 'or-1-us-1')
    assert.deepEqual(payload[APP_METADATA_CLAIM], {
      orgId: 'or-1',
      userId: 'us-1',
      tokenId: 'to-1',
      tokenKind: 'ServiceAccount',
      appId: 'ap-1',
    })
    assert.equal((await tokens.verify(jwt)).tokenId, 'to-1')
    clock.advance(60_000)
    // The cached verification still checks expiry against the clock.
    await assert.rejects(tokens.verify(jwt), rejects401(/expired/))
  })

  it('nodes starting together on one database end up with one signing key', async () => {
    const nodes = Array.from({ length: 4 }, () => service())
    const issued = await Promise.all(
      nodes.map((n) => n.issue(claims, new Date(clock.now().getTime() + 60_000))),
    )
    for (const node of nodes) for (const jwt of issued) assert.equal((await node.verify(jwt)).userId, 'us-1')
    const kids = new Set(
      issued.map((jwt) => JSON.parse(Buffer.from(jwt.split('.')[0]!, 'base64url').toString()).kid),
    )
    assert.equal(kids.size, 1)
  })

  it('the private key is stored sealed, never in the clear', async () => {
    const row = await database.db.selectFrom('signing_keys').selectAll().executeTakeFirstOrThrow()
    assert.doesNotMatch(row.sealed_private_key, /PRIVATE KEY/)
    assert.match(row.public_key, /BEGIN PUBLIC KEY/)
  })

  it('a token of another region is refused naming where to send it', async () => {
    const other = await createTestDatabase()
    try {
      const eu = service('eu', other.db)
      const jwt = await eu.issue(claims, new Date(clock.now().getTime() + 60_000))
      await assert.rejects(service().verify(jwt), rejects401(/region "eu".*https:\/\/eu\.example/))
    } finally {
      await other.dispose()
    }
  })

  it('master-key rotation: the previous key keeps tokens working, reseal moves the signing key', async () => {
    const rotated = await createTestDatabase()
    try {
      const keys = createSigningKeyRepository(rotated.db)
      const oldBox = new SecretBox(randomBytes(32))
      const newBox = new SecretBox(randomBytes(32))
      const make = (box: SecretBox, previous?: SecretBox) =>
        new TokenService({
          keys,
          secrets: box,
          previousSecrets: previous,
          clock,
          region: 'local',
          publicUrl: 'x',
        })
      const jwt = await make(oldBox).issue(claims, new Date(clock.now().getTime() + 60_000))
      // New master key without the old one: the signing key cannot be opened.
      await assert.rejects(make(newBox).verify(jwt))
      assert.equal((await make(newBox, oldBox).verify(jwt)).tokenId, 'to-1')
      assert.deepEqual(await resealSigningKeys({ keys, secrets: newBox, previousSecrets: oldBox }), {
        resealed: 1,
        current: 0,
        unreadable: [],
      })
      assert.equal((await make(newBox).verify(jwt)).tokenId, 'to-1')
      assert.deepEqual(await resealSigningKeys({ keys, secrets: newBox, previousSecrets: oldBox }), {
        resealed: 0,
        current: 1,
        unreadable: [],
      })
    } finally {
      await rotated.dispose()
    }
  })
})
