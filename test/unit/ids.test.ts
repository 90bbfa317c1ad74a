import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ErrorIdGenerator, idPrefixes, isIdOf, newId } from '../../src/ids.ts'

describe('resource ids', () => {
  it('have the Dfns shape for every prefix', () => {
    for (const kind of Object.keys(idPrefixes) as (keyof typeof idPrefixes)[]) {
      const id = newId(kind)
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
