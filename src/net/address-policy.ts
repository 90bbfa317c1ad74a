/**
 * Which addresses an outbound request may reach. The production profile refuses every address
 * that leads inside the host or its network (SSRF): loopback, private, link-local (including the
 * 169.254.169.254 metadata services), unique-local, unspecified, multicast and the like, unless
 * the operator listed the range in the allow-list. The development profile allows everything, so
 * receivers on localhost work out of the box.
 */
import { BlockList, isIP } from 'node:net'

/** Ranges that are never a public receiver, by the reason given when one is refused. */
const internalRanges: ReadonlyArray<readonly [string, number, 'ipv4' | 'ipv6', string]> = [
  ['0.0.0.0', 8, 'ipv4', 'unspecified'],
  ['10.0.0.0', 8, 'ipv4', 'private'],
  ['100.64.0.0', 10, 'ipv4', 'shared (carrier-grade NAT)'],
  ['127.0.0.0', 8, 'ipv4', 'loopback'],
  ['169.254.0.0', 16, 'ipv4', 'link-local'],
  ['172.16.0.0', 12, 'ipv4', 'private'],
  ['192.0.0.0', 24, 'ipv4', 'reserved'],
  ['192.168.0.0', 16, 'ipv4', 'private'],
  ['198.18.0.0', 15, 'ipv4', 'reserved'],
  ['224.0.0.0', 4, 'ipv4', 'multicast'],
  ['240.0.0.0', 4, 'ipv4', 'reserved'],
  ['::', 128, 'ipv6', 'unspecified'],
  ['::1', 128, 'ipv6', 'loopback'],
  ['fc00::', 7, 'ipv6', 'unique-local'],
  ['fe80::', 10, 'ipv6', 'link-local'],
  ['ff00::', 8, 'ipv6', 'multicast'],
  ['64:ff9b::', 96, 'ipv6', 'NAT64'],
  ['2001:db8::', 32, 'ipv6', 'documentation'],
]

const byReason = new Map<string, BlockList>()
for (const [network, prefix, family, reason] of internalRanges) {
  let list = byReason.get(reason)
  if (!list) {
    list = new BlockList()
    byReason.set(reason, list)
  }
  list.addSubnet(network, prefix, family)
}

/** `::ffff:10.0.0.1` reaches 10.0.0.1: judge the IPv4 address inside. */
function unmapped(address: string): { address: string; family: 'ipv4' | 'ipv6' } {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)
  if (mapped) return { address: mapped[1]!, family: 'ipv4' }
  return { address, family: isIP(address) === 6 ? 'ipv6' : 'ipv4' }
}

/** Why `address` is internal (`loopback`, `private`, …), or undefined for a public address. */
export function internalReason(address: string): string | undefined {
  const { address: plain, family } = unmapped(address)
  for (const [reason, list] of byReason) if (list.check(plain, family)) return reason
  return undefined
}

export interface AddressPolicy {
  /** Undefined when `address` may be reached; else why not (for the error message). */
  refusal(address: string): string | undefined
}

/** Development: anything, loopback receivers included. */
export const allowAll: AddressPolicy = { refusal: () => undefined }

/**
 * Production: public addresses, plus the operator's allow-listed CIDR ranges (receivers on a
 * private network). Throws on a malformed range, so a typo stops start-up instead of opening a hole.
 */
export function publicOnly(allowedCidrs: readonly string[] = []): AddressPolicy {
  const allowed = new BlockList()
  for (const cidr of allowedCidrs) {
    const [network, prefixText, ...rest] = cidr.split('/')
    const family = isIP(network ?? '')
    const prefix = Number(prefixText)
    const max = family === 6 ? 128 : 32
    if (!family || rest.length > 0 || !Number.isInteger(prefix) || prefix < 0 || prefix > max) {
      throw new Error(`not a CIDR range: ${JSON.stringify(cidr)} (expected e.g. 10.20.0.0/16 or fd00::/8)`)
    }
    allowed.addSubnet(network!, prefix, family === 6 ? 'ipv6' : 'ipv4')
  }
  return {
    refusal(address) {
      const reason = internalReason(address)
      if (!reason) return undefined
      const { address: plain, family } = unmapped(address)
      if (allowed.check(plain, family)) return undefined
      return reason
    },
  }
}

/** Parses the allow-list setting: comma-separated CIDR ranges. */
export function parseCidrList(raw: string | undefined): string[] {
  return (raw ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
}
