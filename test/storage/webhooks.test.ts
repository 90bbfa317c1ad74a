import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { ManualClock } from '../../src/clock.ts'
import { SecretBox } from '../../src/custody/secret-box.ts'
import { createWebhookRepository, type WebhookEventRecord } from '../../src/domains/webhooks/repository.ts'
import { openSecret, resealWebhookSecrets, sealSecret } from '../../src/domains/webhooks/secrets.ts'
import { createWebhookService, RETENTION_DAYS } from '../../src/domains/webhooks/service.ts'
import { newId } from '../../src/ids.ts'
import { allowAll } from '../../src/net/address-policy.ts'
import { systemResolver } from '../../src/net/safe-post.ts'
import { createTestDatabase, type TestDatabase, testDialect } from '../helpers/database.ts'

describe(`webhook storage (${testDialect})`, () => {
  let database: TestDatabase
  before(async () => {
    database = await createTestDatabase()
  })
  after(() => database.dispose())

  const insertWebhook = async (secrets: SecretBox, secret: string) => {
    const id = newId('webhook', Date.now())
    const orgId = `or-${randomBytes(4).toString('hex')}`
    await createWebhookRepository(database.db, database.dialect).insert({
      id,
      orgId,
      url: 'https://example.com/h',
      description: null,
      events: ['*'],
      status: 'Enabled',
      secretSealed: sealSecret(secrets, { id, orgId }, secret),
      dateCreated: '2026-01-01T00:00:00.000Z',
      dateUpdated: '2026-01-01T00:00:00.000Z',
    })
    return { id, orgId }
  }

  it('re-seals webhook secrets under a new master key, once, and reports what neither key opens', async () => {
    const [oldKey, newKey, strangerKey] = [0, 1, 2].map(() => new SecretBox(randomBytes(32)))
    const mine = await insertWebhook(oldKey!, 'whs-mine')
    const stranger = await insertWebhook(strangerKey!, 'whs-stranger')
    const first = await database.db
      .transaction()
      .execute((trx) => resealWebhookSecrets({ db: trx, secrets: newKey!, previousSecrets: oldKey! }))
    assert.ok(first.resealed >= 1)
    assert.ok(first.unreadable.includes(`webhook ${stranger.id}`))
    const row = await createWebhookRepository(database.db, database.dialect).find(mine.orgId, mine.id)
    assert.equal(openSecret(newKey!, row!), 'whs-mine')
    assert.throws(() => openSecret(oldKey!, row!))
    const again = await resealWebhookSecrets({ db: database.db, secrets: newKey!, previousSecrets: oldKey! })
    assert.equal(again.resealed, 0, 'a second run finds everything already re-sealed')
  })

  it(`purges events written more than ${RETENTION_DAYS} days ago, and only those`, async () => {
    const clock = new ManualClock(Date.parse('2026-06-01T00:00:00.000Z'))
    const repository = createWebhookRepository(database.db, database.dialect)
    const service = createWebhookService({
      db: database.db,
      repository,
      clock,
      secrets: new SecretBox(randomBytes(32)),
      outbound: { policy: allowAll, resolve: systemResolver, timeoutMs: 1000, maxResponseBytes: 1024 },
      webhookLimit: async () => 5,
    })
    const event = (daysAgo: number): WebhookEventRecord => {
      const date = new Date(clock.now().getTime() - daysAgo * 86_400_000).toISOString()
      return {
        id: newId('webhookEvent', Date.parse(date)),
        orgId: 'or-retention',
        webhookId: 'wh-retention',
        kind: 'wallet.created',
        date,
        data: {},
        status: '200',
        error: null,
        timestampSent: 1,
        deliveryFailed: false,
        deliveryAttempt: 1,
        retryOf: null,
        nextAttemptDate: null,
        dateCreated: date,
      }
    }
    const old = event(RETENTION_DAYS + 1)
    const kept = event(RETENTION_DAYS - 1)
    for (const e of [old, kept]) await repository.insertEvent(e)
    assert.ok((await service.purgeExpiredEvents()) >= 1)
    assert.equal(await repository.findEvent(old.id), undefined)
    assert.equal((await repository.findEvent(kept.id))?.id, kept.id)
  })
})
