import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { windowSegments } from '../../../src/domains/policies/velocity-ledger.ts'

const unit = { raw: 1, m: 60_000, h: 3_600_000, d: 86_400_000 } as const

describe('velocity window segments', () => {
  it('cover [from, to) exactly, in order, aligned to their level, and stay few', () => {
    const base = Date.parse('2026-01-01T00:00:00.000Z')
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 90 * 86_400_000 }),
        fc.integer({ min: 0, max: 43_200 * 60_000 }),
        (offset, length) => {
          const from = base + offset
          const to = from + length
          const segments = windowSegments(from, to)
          let cursor = from
          for (const s of segments) {
            assert.equal(s.from, cursor)
            assert.ok(s.to > s.from)
            if (s.level !== 'raw') {
              assert.equal(s.from % unit[s.level], 0)
              assert.equal(s.to % unit[s.level], 0)
            }
            cursor = s.to
          }
          assert.equal(cursor, length === 0 ? from : to)
          assert.ok(segments.length <= 7)
          // Raw ranges never span more than two minutes; minute ranges two hours; hour ranges two days.
          for (const s of segments) {
            if (s.level === 'raw') assert.ok(s.to - s.from < 2 * unit.m)
            if (s.level === 'm') assert.ok(s.to - s.from < 2 * unit.h)
            if (s.level === 'h') assert.ok(s.to - s.from < 2 * unit.d)
          }
        },
      ),
      { numRuns: 2000 },
    )
  })
})
