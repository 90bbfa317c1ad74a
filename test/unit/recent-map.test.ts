import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { RecentMap, rememberedLoad } from '../../src/recent-map.ts'

describe('RecentMap', () => {
  it('makes an entry once, keeps at most its limit, and drops the least recently used first', () => {
    const map = new RecentMap<string, number>(2)
    let made = 0
    const get = (key: string) => map.getOrCreate(key, () => ++made)
    assert.equal(get('a'), 1)
    assert.equal(get('b'), 2)
    assert.equal(get('a'), 1, 'kept, and now the most recent')
    assert.equal(get('c'), 3, "past the limit: 'b', the least recent, is dropped")
    assert.equal(get('a'), 1)
    assert.equal(get('b'), 4, "'b' is made again")
    map.delete('a')
    assert.equal(get('a'), 5)
    map.clear()
    assert.equal(get('c'), 6)
  })

  it('get marks an entry recent; set replaces or adds one, dropping the least recent when full', () => {
    const map = new RecentMap<string, number>(2)
    assert.equal(map.get('a'), undefined)
    map.set('a', 1)
    map.set('b', 2)
    assert.equal(map.get('a'), 1, "kept, and now more recent than 'b'")
    map.set('c', 3)
    assert.equal(map.get('b'), undefined, "past the limit: 'b', the least recent, is dropped")
    assert.equal(map.get('a'), 1)
    map.set('c', 4)
    assert.equal(map.get('c'), 4, 'replaced in place')
    assert.equal(map.get('a'), 1, 'replacing an entry drops nothing')
  })
})

describe('rememberedLoad', () => {
  it('shares one load between callers, and forgets a load that failed', async () => {
    const map = new RecentMap<string, Promise<number>>(10)
    let loads = 0
    let fail = true
    const load = async () => {
      loads++
      if (fail) throw new Error('unreachable')
      return loads
    }
    const [a, b] = await Promise.allSettled([rememberedLoad(map, 'k', load), rememberedLoad(map, 'k', load)])
    assert.equal(loads, 1, 'callers asking together share one load')
    assert.equal(a.status, 'rejected')
    assert.equal(b.status, 'rejected')
    fail = false
    assert.equal(await rememberedLoad(map, 'k', load), 2, 'the failed load was forgotten')
    assert.equal(await rememberedLoad(map, 'k', load), 2, 'a load that succeeded is kept')
    assert.equal(loads, 2)
  })
})
