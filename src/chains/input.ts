import { AppError } from '../errors.ts'
import { fromHex } from './bytes.ts'

/**
 * Size limits for signing payloads. A Dfns `Message` is an arbitrary hex string; walletd caps it at
 * 64 KiB of bytes (128 Ki hex characters) — far above any sign-in message or EIP-191 payload, small
 * enough that one request cannot make the signer hash megabytes. Transactions and PSBTs are capped
 * at 256 KiB, above Bitcoin's standard transaction weight and Solana's 1,232-byte packet limit.
 */
export const MAX_MESSAGE_BYTES = 64 * 1024
export const MAX_TRANSACTION_BYTES = 256 * 1024
/** Upper bound on a hex input string, for schema `maxLength`s: 0x + two characters per byte. */
export const maxHexLength = (bytes: number) => 2 + bytes * 2

export function invalid(field: string, reason: string, details: Record<string, unknown> = {}): AppError {
  return new AppError('validation_failed', `${field} ${reason}`, { details: { field, ...details } })
}

/**
 * Hex input → bytes, or a 400 naming the field: not a string, malformed hex, wrong length, too long.
 * `length` demands an exact byte count; `maxBytes` bounds it.
 */
export function parseHexField(
  value: unknown,
  field: string,
  options: { length?: number; maxBytes?: number; allowEmpty?: boolean } = {},
): Uint8Array {
  if (typeof value !== 'string') throw invalid(field, 'must be a hex string')
  const maxBytes = options.maxBytes ?? options.length ?? MAX_MESSAGE_BYTES
  if (value.length > maxHexLength(maxBytes)) {
    throw invalid(field, `must be at most ${maxBytes} bytes`, { maxBytes })
  }
  let bytes: Uint8Array
  try {
    bytes = fromHex(value)
  } catch {
    throw invalid(field, 'must be hex-encoded (0x prefix optional, even number of digits)')
  }
  if (bytes.length === 0) {
    if (options.allowEmpty) return bytes
    throw invalid(field, 'must not be empty')
  }
  if (options.length !== undefined && bytes.length !== options.length) {
    throw invalid(field, `must be exactly ${options.length} bytes, got ${bytes.length}`, {
      length: options.length,
    })
  }
  return bytes
}

export function requireObject(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw invalid(field, 'must be an object')
  return value as Record<string, unknown>
}
