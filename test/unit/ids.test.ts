import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  decodePaginationToken,
  ErrorIdGenerator,
  encodePaginationToken,
  idPrefixes,
  idSourceActive,
  isIdOf,
  newId,
  withIdSource,
} from '../../src/ids.ts'

describe('resource ids', () => {
  it('have the Dfns shape for every prefix', () => {
    for (const kind of Object.keys(idPrefixes) as (keyof typeof idPrefixes)[]) {
      const id = newId(kind, Date.now())
      assert.match(id, /^[a-z]{2,4}-[0-9a-z]{5}-[0-9a-z]{5}-[0-9a-z]{16}$/)
      assert.ok(id.startsWith(`${idPrefixes[kind]}-`))
      assert.ok(isIdOf(kind, id))
    }
  })

  it('sort by creation time', () => {
    const a = newId('wallet', Date.parse('2026-01-01T00:00:00Z'))
    const b = newId('wallet', Date.parse('2026-01-01T00:00:00.001Z'))
    assert.ok(a < b)
  })

  it('are unique', () => {
    const ids = new Set(Array.from({ length: 20_000 }, () => newId('wallet', 1)))
    assert.equal(ids.size, 20_000)
  })

  it('carry the Dfns prefixes', () => {
    assert.deepEqual(
      {
        or: idPrefixes.org,
        us: idPrefixes.user,
        wa: idPrefixes.wallet,
        key: idPrefixes.key,
        xfr: idPrefixes.transfer,
      },
      { or: 'or', us: 'us', wa: 'wa', key: 'key', xfr: 'xfr' },
    )
    assert.match(newId('policy', Date.now()), /^plc-/)
    assert.match(newId('policyEvaluation', Date.now()), /^plce-/)
    assert.match(newId('webhookEvent', Date.now()), /^whe-/)
  })

  it('encode their creation time in the first ten base36 characters', () => {
    const at = Date.parse('2026-05-04T03:02:01.000Z')
    const [, a, b] = newId('wallet', at).split('-')
    assert.equal(Number.parseInt(`${a}${b}`, 36), at)
  })

  it('are recognised by kind and shape only', () => {
    const wallet = newId('wallet', Date.now())
    assert.ok(isIdOf('wallet', wallet))
    assert.ok(!isIdOf('key', wallet))
    assert.ok(!isIdOf('wallet', wallet.toUpperCase()))
    assert.ok(!isIdOf('wallet', `${wallet}x`))
    assert.ok(!isIdOf('wallet', 'wa-1-2-3'))
  })
})

describe('id sources (the seed)', () => {
  // While an AsyncLocalStorage is on, its async hook tags every new promise with its store.
  const promisesHooked = () =>
    Object.getOwnPropertySymbols(new Promise<void>(() => {})).some((s) => s.description === 'kResourceStore')

  it('give the ids made inside a run, and switch the async hook off when the last run ends', async () => {
    assert.equal(promisesHooked(), false)
    const slow = withIdSource(
      () => 'slow',
      async () => {
        await new Promise((resolve) => setTimeout(resolve, 20))
        return newId('wallet', 0)
      },
    )
    const quick = await withIdSource(
      () => 'quick',
      async () => newId('wallet', 0),
    )
    assert.equal(quick, 'quick')
    // The other run is still in progress: its source must still follow it across awaits.
    assert.equal(idSourceActive(), true)
    assert.equal(promisesHooked(), true)
    assert.equal(await slow, 'slow')
    assert.equal(idSourceActive(), false)
    assert.equal(promisesHooked(), false, 'no promise pays for the hook once no run is in progress')
    assert.ok(isIdOf('wallet', newId('wallet', 0)), 'outside a run, ids are random again')
  })

  it('end a run that fails like one that succeeds', async () => {
    await assert.rejects(
      withIdSource(
        () => 'x',
        async () => {
          throw new Error('seed failed')
        },
      ),
      /seed failed/,
    )
    assert.equal(promisesHooked(), false)
  })
})

describe('pagination tokens', () => {
  it('round-trip an id and refuse anything else', () => {
    const id = newId('wallet', Date.now())
    const token = encodePaginationToken(id)
    assert.match(token, /^[A-Za-z0-9_-]+$/)
    assert.equal(decodePaginationToken(token), id)
    assert.equal(decodePaginationToken('not a token'), undefined)
    assert.equal(decodePaginationToken(Buffer.from("'; drop table wallets").toString('base64url')), undefined)
  })
})

describe('error ids', () => {
  it('are decimal strings, time-ordered and unique on one node', () => {
    const gen = new ErrorIdGenerator(7)
    const ids = Array.from({ length: 50_000 }, () => gen.next())
    for (const id of ids) assert.match(id, /^\d{15,19}$/)
    assert.equal(new Set(ids).size, ids.length)
    for (let i = 1; i < ids.length; i++) assert.ok(BigInt(ids[i]!) > BigInt(ids[i - 1]!))
  })

  it('never collide between two nodes in the same millisecond', () => {
    const frozen = () => Date.parse('2026-06-01T12:00:00Z')
    const a = new ErrorIdGenerator(1, frozen)
    const b = new ErrorIdGenerator(2, frozen)
    const ids = new Set<string>()
    for (let i = 0; i < 10_000; i++) {
      ids.add(a.next())
      ids.add(b.next())
    }
    assert.equal(ids.size, 20_000)
  })

  it('stay unique and increasing beyond 4096 ids in one millisecond (the sequence borrows the next)', () => {
    const gen = new ErrorIdGenerator(3, () => Date.parse('2026-06-01T12:00:00Z'))
    const ids = Array.from({ length: 10_000 }, () => BigInt(gen.next()))
    for (let i = 1; i < ids.length; i++) assert.ok(ids[i]! > ids[i - 1]!)
  })

  it('stay increasing when the clock steps back', () => {
    let now = Date.parse('2026-06-01T12:00:00Z')
    const gen = new ErrorIdGenerator(4, () => now)
    const before = BigInt(gen.next())
    now -= 5_000
    const after = BigInt(gen.next())
    assert.ok(after > before)
  })

  it('carry the node id in bits 12..21', () => {
    const id = new ErrorIdGenerator(777, () => Date.parse('2026-06-01T12:00:00Z')).next()
    assert.equal(Number((BigInt(id) >> 12n) & 0x3ffn), 777)
  })

  it('fit in a signed 64-bit integer for decades', () => {
    const id = new ErrorIdGenerator(1023, () => Date.parse('2080-01-01T00:00:00Z')).next()
    assert.ok(BigInt(id) < 2n ** 63n)
  })

  it('encode their creation time', () => {
    const at = Date.parse('2026-06-01T12:00:00.123Z')
    const id = new ErrorIdGenerator(3, () => at).next()
    assert.equal(ErrorIdGenerator.timeOf(id)?.toISOString(), '2026-06-01T12:00:00.123Z')
    assert.equal(ErrorIdGenerator.timeOf('not-an-id'), undefined)
  })

  it('refuse a node id outside 0..1023', () => {
    assert.throws(() => new ErrorIdGenerator(1024), RangeError)
  })
})
