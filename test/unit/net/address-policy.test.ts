import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { allowAll, internalReason, parseCidrList, publicOnly } from '../../../src/net/address-policy.ts'

describe('outbound address policy', () => {
  it('names every internal range and lets public addresses through', () => {
    const cases: [string, string | undefined][] = [
      ['127.0.0.1', 'loopback'],
      ['127.255.0.9', 'loopback'],
      ['::1', 'loopback'],
      ['::ffff:127.0.0.1', 'loopback'],
      ['10.0.0.1', 'private'],
      ['172.16.5.4', 'private'],
      ['192.168.1.1', 'private'],
      ['::ffff:10.0.0.1', 'private'],
      ['169.254.169.254', 'link-local'],
      ['fe80::1', 'link-local'],
      ['fd00::1', 'unique-local'],
      ['fc00::1', 'unique-local'],
      ['0.0.0.0', 'unspecified'],
      ['::', 'unspecified'],
      ['100.64.0.1', 'shared (carrier-grade NAT)'],
      ['224.0.0.1', 'multicast'],
      ['93.184.216.34', undefined],
      ['8.8.8.8', undefined],
      ['2606:4700::1111', undefined],
      ['172.32.0.1', undefined],
    ]
    for (const [address, reason] of cases) assert.equal(internalReason(address), reason, address)
  })

  it('production refuses internal addresses unless allow-listed; development allows all', () => {
    const policy = publicOnly(parseCidrList(' 10.20.0.0/16 , fd12::/16'))
    assert.equal(policy.refusal('10.20.3.4'), undefined)
    assert.equal(policy.refusal('::ffff:10.20.3.4'), undefined)
    assert.equal(policy.refusal('fd12::5'), undefined)
    assert.equal(policy.refusal('10.21.0.1'), 'private')
    assert.equal(policy.refusal('127.0.0.1'), 'loopback')
    assert.equal(policy.refusal('169.254.169.254'), 'link-local')
    assert.equal(policy.refusal('1.1.1.1'), undefined)
    assert.equal(allowAll.refusal('169.254.169.254'), undefined)
  })

  it('refuses a malformed allow-list entry instead of ignoring it', () => {
    for (const bad of ['10.0.0.0', '10.0.0.0/33', 'example.com/8', '10.0.0.0/8/1', 'fd00::/129']) {
      assert.throws(() => publicOnly([bad]), /not a CIDR range/, bad)
    }
  })
})
