/**
 * What the emulator's journal must never keep: bearer tokens, user-action tokens, signatures,
 * private keys and key shares, secrets, one-time codes, credential material. Redaction is by
 * field name (anywhere in a JSON body) and by value shape (a JWT or a PEM private key is redacted
 * under any name), so a field added later is covered as long as its name or value says what it is.
 * It errs on the side of hiding: a redacted field that was harmless costs a test nothing.
 */
export const REDACTED = '[redacted]'

/** Field names whose values are secret (matched case-insensitively, anywhere in the name). */
const SECRET_NAME =
  /token|secret|password|passphrase|private|signature|^signed|code$|codes$|^code|credentialinfo|attestation|assertion|clientdata|authenticatordata|useraction|firstfactor|secondfactor|mnemonic|seed|keyshare|encrypted|otp|apikey|authorization|cookie|recovery/i

/** Names that look secret but only identify something (`tokenId`, `credId`, `signatureId`). */
const IDENTIFIER_NAME = /(Id|Ids|Kind|Kinds|Type|Count|Status)$/

const JWT = /^eyJ[\w-]*\.[\w-]*\.[\w-]*$/
const PEM_PRIVATE = /-----BEGIN [A-Z ]*PRIVATE KEY-----/

export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name) && !IDENTIFIER_NAME.test(name)
}

function redactString(value: string): string {
  if (JWT.test(value) || PEM_PRIVATE.test(value) || /^Bearer\s/i.test(value)) return REDACTED
  return value
}

/** A deep copy of a JSON value with every secret replaced by `[redacted]`. */
export function redactJson(value: unknown, depth = 0): unknown {
  if (depth > 64) return REDACTED
  if (typeof value === 'string') return redactString(value)
  if (Array.isArray(value)) return value.map((v) => redactJson(v, depth + 1))
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {}
    for (const [key, v] of Object.entries(value)) {
      out[key] = isSecretName(key) && v !== null && v !== undefined ? REDACTED : redactJson(v, depth + 1)
    }
    return out
  }
  return value
}

/** Request headers worth keeping, secrets redacted. */
export function redactHeaders(headers: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue
    const text = Array.isArray(value) ? value.join(', ') : String(value)
    out[name] = isSecretName(name) || name === 'x-dfns-useraction' ? REDACTED : redactString(text)
  }
  return out
}

/** A path with its query string, secret parameters redacted. */
export function redactUrl(url: string): string {
  const at = url.indexOf('?')
  if (at < 0) return url
  const params = new URLSearchParams(url.slice(at + 1))
  for (const [key, value] of [...params]) {
    if (isSecretName(key) || redactString(value) === REDACTED) params.set(key, REDACTED)
  }
  return `${url.slice(0, at)}?${params.toString()}`
}
