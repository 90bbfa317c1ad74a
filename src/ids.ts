import { AsyncLocalStorage } from 'node:async_hooks'
import { randomBytes, randomInt } from 'node:crypto'

/**
 * Resource ids in the Dfns shape: `<prefix>-<5>-<5>-<16>`, lowercase base36.
 * The first ten characters are the creation time in milliseconds (base36, zero-padded), so ids sort
 * by creation time and can serve as pagination cursors; the last sixteen are random (~82 bits).
 */
export const idPrefixes = {
  org: 'or',
  user: 'us',
  token: 'to',
  credential: 'cr',
  changeRequest: 'cr',
  credentialKey: 'ci',
  challenge: 'ch',
  app: 'ap',
  approval: 'ap',
  permission: 'pm',
  assignment: 'as',
  policy: 'plc',
  policyEvaluation: 'plce',
  wallet: 'wa',
  key: 'key',
  transfer: 'xfr',
  transaction: 'tx',
  signature: 'sig',
  webhook: 'wh',
  webhookEvent: 'whe',
  webhookSecret: 'whs',
  userAction: 'ua',
  oneTimeCode: 'oc',
  // The emulator's own objects (development profile).
  mail: 'ml',
  fault: 'flt',
} as const

export type IdKind = keyof typeof idPrefixes
export type IdPrefix = (typeof idPrefixes)[IdKind]

const BASE36 = '0123456789abcdefghijklmnopqrstuvwxyz'

function randomBase36(length: number): string {
  let out = ''
  for (let i = 0; i < length; i++) out += BASE36[randomInt(36)]
  return out
}

/**
 * Where ids come from inside `withIdSource` (the emulator's seed): a deterministic source makes the
 * same seed give the same ids on every run. Outside it, ids are time plus randomness.
 */
export type IdSource = (kind: IdKind) => string
const idSources = new AsyncLocalStorage<IdSource>()
let idSourceRuns = 0

/**
 * Runs `run` with `source` giving every id it makes. While any such run is in progress Node calls an
 * async hook on every promise the process creates (that is how the source follows `run` across
 * awaits): on Node 20 that added ~40 % to the server CPU of the cheapest route (BENCHMARKS.md). So the
 * storage is switched off again when the last run ends, rather than kept on for the rest of the
 * process after one seed.
 */
export async function withIdSource<T>(source: IdSource, run: () => Promise<T>): Promise<T> {
  idSourceRuns++
  try {
    return await idSources.run(source, run)
  } finally {
    if (--idSourceRuns === 0) idSources.disable()
  }
}

/** True while a `withIdSource` run is in progress (for tests: the async hook is on only then). */
export function idSourceActive(): boolean {
  return idSourceRuns > 0
}

/** An id of the Dfns shape from a time and a 16-character base36 tail (the seed's ids). */
export function idFromParts(kind: IdKind, timeMs: number, tail: string): string {
  const time = timeMs.toString(36).padStart(10, '0').slice(-10)
  return `${idPrefixes[kind]}-${time.slice(0, 5)}-${time.slice(5)}-${tail}`
}

/** A new id of `kind`, its time part from `now` (epoch ms, read from the injected Clock). */
export function newId(kind: IdKind, now: number): string {
  const source = idSources.getStore()
  if (source) return source(kind)
  const time = now.toString(36).padStart(10, '0').slice(-10)
  return `${idPrefixes[kind]}-${time.slice(0, 5)}-${time.slice(5)}-${randomBase36(16)}`
}

const ID_SHAPE = /^[a-z]{2,4}-[0-9a-z]{5}-[0-9a-z]{5}-[0-9a-z]{16}$/

/** True when `value` has the shape of an id of the given kind (it may still not exist). */
export function isIdOf(kind: IdKind, value: string): boolean {
  return ID_SHAPE.test(value) && value.startsWith(`${idPrefixes[kind]}-`)
}

/**
 * Error ids: a decimal string of a 63-bit, time-ordered value, like Dfns' `"2038837570328299032"`.
 * Layout: 41 bits of milliseconds since 2020-01-01 | 10 bits of node id | 12 bits of sequence.
 * Two nodes with different node ids never collide; within a node the sequence covers 4096 ids per
 * millisecond and borrows from the next millisecond beyond that.
 */
const ERROR_ID_EPOCH = 1577836800000n

export class ErrorIdGenerator {
  private lastMs = 0n
  private sequence = 0n
  readonly nodeId: number

  constructor(
    nodeId: number = randomBytes(2).readUInt16BE() & 0x3ff,
    private readonly now: () => number = Date.now,
  ) {
    if (!Number.isInteger(nodeId) || nodeId < 0 || nodeId > 0x3ff) {
      throw new RangeError(`node id must be an integer in 0..1023, got ${nodeId}`)
    }
    this.nodeId = nodeId
  }

  next(): string {
    let ms = BigInt(this.now()) - ERROR_ID_EPOCH
    if (ms <= this.lastMs) {
      ms = this.lastMs
      this.sequence = (this.sequence + 1n) & 0xfffn
      if (this.sequence === 0n) ms = this.lastMs + 1n
    } else {
      this.sequence = 0n
    }
    this.lastMs = ms
    return ((ms << 22n) | (BigInt(this.nodeId) << 12n) | this.sequence).toString()
  }

  /** The creation time encoded in an error id, or undefined when the value is not one. */
  static timeOf(errorId: string): Date | undefined {
    if (!/^\d{1,19}$/.test(errorId)) return undefined
    return new Date(Number((BigInt(errorId) >> 22n) + ERROR_ID_EPOCH))
  }
}

/** Opaque pagination tokens: the last id of the page, base64url-encoded. */
export function encodePaginationToken(lastId: string): string {
  return Buffer.from(lastId, 'utf8').toString('base64url')
}

export function decodePaginationToken(token: string): string | undefined {
  const value = Buffer.from(token, 'base64url').toString('utf8')
  return /^[a-z]{2,4}-[0-9a-z-]{5,64}$/.test(value) ? value : undefined
}
