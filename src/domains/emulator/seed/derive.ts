import { createHash, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto'
import { p256 } from '@noble/curves/nist.js'
import { type IdKind, type IdSource, idFromParts } from '../../../ids.ts'

/**
 * Everything the seed makes that would otherwise be random is derived from the entry it belongs to
 * (its org key and its own key, name or e-mail), never from its position in the file or the time:
 * the same entry gives the same ids, keys and tokens on every apply, and adding an entry does not
 * change the others.
 */

/** Seeded ids carry this time (2024-01-01T00:00:00Z): objects created later sort after them. */
export const SEED_ID_TIME = Date.UTC(2024, 0, 1)
/** Seeded tokens: issued at this instant and expiring at `SEED_TOKEN_EXPIRY`, whatever the clock says. */
export const SEED_TOKEN_ISSUED_AT = new Date(SEED_ID_TIME)
export const SEED_TOKEN_EXPIRY = new Date(Date.UTC(2100, 0, 1))

const BASE36 = '0123456789abcdefghijklmnopqrstuvwxyz'

const digest = (...parts: string[]) => createHash('sha256').update(parts.join('\u0000')).digest()

function base36Tail(bytes: Buffer): string {
  let n = BigInt(`0x${bytes.subarray(0, 16).toString('hex')}`)
  let out = ''
  for (let i = 0; i < 16; i++) {
    out += BASE36[Number(n % 36n)]
    n /= 36n
  }
  return out
}

/**
 * The id source of one seed entry: the n-th id of a kind asked for while creating the entry named
 * `scope` (e.g. `acme/wallet/treasury`) is always the same. Used through `withIdSource`, so the
 * domain services create seeded objects exactly as they create any other.
 */
export function entryIds(scope: string): IdSource {
  const counters = new Map<IdKind, number>()
  return (kind) => {
    const n = counters.get(kind) ?? 0
    counters.set(kind, n + 1)
    return idFromParts(kind, SEED_ID_TIME, base36Tail(digest('walletd-seed-id', scope, kind, String(n))))
  }
}

/** The root service account's P-256 key of an org whose seed names none: derived from the org key. */
export function derivedRootKey(orgKey: string): {
  privateKey: KeyObject
  publicKeyPem: string
  privateKeyPem: string
} {
  let counter = 0
  for (;;) {
    const d = digest('walletd-seed-root-key', orgKey, String(counter++))
    if (!p256.utils.isValidSecretKey(d)) continue
    const point = p256.getPublicKey(d, false)
    const privateKey = createPrivateKey({
      format: 'jwk',
      key: {
        kty: 'EC',
        crv: 'P-256',
        d: d.toString('base64url'),
        x: Buffer.from(point.subarray(1, 33)).toString('base64url'),
        y: Buffer.from(point.subarray(33)).toString('base64url'),
      },
    })
    d.fill(0)
    return {
      privateKey,
      privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      publicKeyPem: createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString(),
    }
  }
}

/** A user's credential id when the seed names none (base64url, as a client would choose it). */
export function derivedCredId(orgKey: string, email: string): string {
  return digest('walletd-seed-cred-id', orgKey, email.toLowerCase()).subarray(0, 24).toString('base64url')
}
