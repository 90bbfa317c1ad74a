import {
  createHash,
  createPublicKey,
  constants as cryptoConstants,
  type KeyObject,
  verify,
} from 'node:crypto'
import { AppError } from '../../../errors.ts'
import { RecentMap } from '../../../recent-map.ts'
import type { Credential } from '../model.ts'

/**
 * Verification of what credentials sign, with node:crypto for keys and @simplewebauthn/server for
 * passkeys. Every failure is a 401 whose message says what did not check out; no key material
 * or signature bytes go into messages.
 *
 * Key credentials (Key, PasswordProtectedKey, RecoveryKey) sign the raw clientData bytes:
 * - EC keys (P-256, secp256k1, P-384): ECDSA with SHA-256 (or SHA-512 when `algorithm` says so),
 *   DER signatures as the keysigner produces, or raw r‖s (WebCrypto) converted by node.
 * - Ed25519: pure Ed25519.
 * - RSA: PKCS#1 v1.5 with SHA-256.
 * clientData is parsed as sent and never rebuilt: only `type` and `challenge` are read.
 */

const acceptedCurves = new Set(['prime256v1', 'secp256k1', 'secp384r1'])
const MIN_RSA_BITS = 2048

export const decodeBase64Url = (value: string, field: string): Buffer => {
  if (!/^[A-Za-z0-9_-]*={0,2}$/.test(value)) {
    throw new AppError('unauthorized', `${field} is not base64url.`, { details: { field } })
  }
  return Buffer.from(value, 'base64url')
}

/** Parse a PEM public key a client registers; refuses key types the verifier cannot check. */
export function parsePublicKey(pem: string, field = 'publicKey'): KeyObject {
  let key: KeyObject
  try {
    key = createPublicKey(pem)
  } catch {
    throw new AppError('validation_failed', `${field} is not a PEM public key (SPKI or PKCS#1).`, {
      details: { field },
    })
  }
  const type = key.asymmetricKeyType
  const curve = key.asymmetricKeyDetails?.namedCurve
  const ok =
    type === 'ed25519' ||
    (type === 'ec' && curve !== undefined && acceptedCurves.has(curve)) ||
    (type === 'rsa' && (key.asymmetricKeyDetails?.modulusLength ?? 0) >= MIN_RSA_BITS)
  if (!ok) {
    throw new AppError(
      'validation_failed',
      `${field} must be an Ed25519, ECDSA (P-256, secp256k1, P-384) or RSA (≥ ${MIN_RSA_BITS} bits) key; got ${type}${curve ? ` ${curve}` : ''}.`,
      { details: { field, keyType: type, curve } },
    )
  }
  return key
}

function digestFor(algorithm: string | undefined): 'sha256' | 'sha512' | undefined {
  if (algorithm === undefined || algorithm === '') return 'sha256'
  const a = algorithm.toLowerCase()
  if (a === 'sha256' || a === 'rsa-sha256' || a === 'ecdsa-sha256' || a === 'sha-256') return 'sha256'
  if (a === 'sha512' || a === 'rsa-sha512' || a === 'ecdsa-sha512' || a === 'sha-512') return 'sha512'
  return undefined
}

/** True when `signature` over `data` verifies under `key` (see the algorithm list above). */
export function verifyKeySignature(
  key: KeyObject,
  data: Uint8Array,
  signature: Uint8Array,
  algorithm?: string,
): boolean {
  try {
    switch (key.asymmetricKeyType) {
      case 'ed25519':
        return verify(null, data, key, signature)
      case 'rsa': {
        const digest = digestFor(algorithm)
        return (
          digest !== undefined &&
          verify(digest, data, { key, padding: cryptoConstants.RSA_PKCS1_PADDING }, signature)
        )
      }
      case 'ec': {
        const digest = digestFor(algorithm)
        if (digest === undefined) return false
        if (verify(digest, data, key, signature)) return true
        // A WebCrypto client sends raw r‖s (64 bytes for 256-bit curves, 96 for P-384).
        const size = key.asymmetricKeyDetails?.namedCurve === 'secp384r1' ? 96 : 64
        return (
          signature.length === size && verify(digest, data, { key, dsaEncoding: 'ieee-p1363' }, signature)
        )
      }
      default:
        return false
    }
  } catch {
    // Malformed DER and the like: not a valid signature.
    return false
  }
}

interface ClientData {
  type?: unknown
  challenge?: unknown
  origin?: unknown
}

function parseClientData(bytes: Buffer): ClientData {
  try {
    const parsed: unknown = JSON.parse(bytes.toString('utf8'))
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as ClientData
  } catch {
    // fall through
  }
  throw new AppError('unauthorized', 'clientData is not base64url-encoded JSON.', {
    details: { field: 'clientData' },
  })
}

function checkClientData(clientData: ClientData, expectedType: string, expectedChallenge: string): void {
  if (clientData.type !== expectedType) {
    throw new AppError('unauthorized', `clientData.type must be ${JSON.stringify(expectedType)}.`, {
      details: { field: 'clientData.type', expected: expectedType },
    })
  }
  if (clientData.challenge !== expectedChallenge) {
    throw new AppError('unauthorized', 'clientData.challenge is not the challenge that was issued.', {
      details: { field: 'clientData.challenge' },
    })
  }
}

/**
 * Parsing a PEM costs more CPU than verifying a signature with it (≈110 µs vs ≈65 µs for P-256),
 * so the keys of stored credentials are kept parsed. A pure memo: a PEM always parses to the same
 * key; bounded, the least recently used dropped first.
 */
const parsedKeys = new RecentMap<string, KeyObject>(5_000)

function storedPublicKey(pem: string): KeyObject {
  return parsedKeys.getOrCreate(pem, () => {
    try {
      return createPublicKey(pem)
    } catch (cause) {
      // Stored keys were parsed when registered: failing now is a bug, not a client error.
      throw new AppError('internal', undefined, { cause })
    }
  })
}

export interface KeyAssertionInput {
  clientData: string
  signature: string
  algorithm?: string | undefined
}

/** Check a Key-kind assertion (`key.get`) for a challenge; throws 401 when it does not verify. */
export function verifyKeyAssertion(
  credential: Credential,
  input: KeyAssertionInput,
  challenge: string,
): void {
  const clientDataBytes = decodeBase64Url(input.clientData, 'clientData')
  checkClientData(parseClientData(clientDataBytes), 'key.get', challenge)
  const signature = decodeBase64Url(input.signature, 'signature')
  if (
    !verifyKeySignature(storedPublicKey(credential.publicKey), clientDataBytes, signature, input.algorithm)
  ) {
    throw new AppError('unauthorized', `Signature does not verify with credential ${credential.credId}.`, {
      details: { credId: credential.credId },
    })
  }
}

export interface KeyAttestationInput {
  credId: string
  clientData: string
  attestationData: string
}

/**
 * Check a Key-kind attestation (`key.create`) and return the registered key.
 * attestationData = base64url(JSON {publicKey: PEM, signature: hex DER, algorithm?}); the signature
 * covers the string `{"clientDataHash":"<hex sha256(clientData bytes)>","publicKey":"<PEM>"}`.
 */
export function verifyKeyAttestation(input: KeyAttestationInput, challenge: string): { publicKey: string } {
  const clientDataBytes = decodeBase64Url(input.clientData, 'credentialInfo.clientData')
  checkClientData(parseClientData(clientDataBytes), 'key.create', challenge)
  let attestation: { publicKey?: unknown; signature?: unknown; algorithm?: unknown }
  try {
    attestation = JSON.parse(decodeBase64Url(input.attestationData, 'attestationData').toString('utf8'))
  } catch (err) {
    if (err instanceof AppError) throw err
    throw new AppError('unauthorized', 'attestationData is not base64url-encoded JSON.', {
      details: { field: 'credentialInfo.attestationData' },
    })
  }
  const { publicKey, signature, algorithm } = attestation ?? {}
  if (typeof publicKey !== 'string' || typeof signature !== 'string' || !/^[0-9a-fA-F]*$/.test(signature)) {
    throw new AppError('unauthorized', 'attestationData must hold a PEM publicKey and a hex signature.', {
      details: { field: 'credentialInfo.attestationData' },
    })
  }
  if (algorithm !== undefined && typeof algorithm !== 'string') {
    throw new AppError('unauthorized', 'attestationData.algorithm must be a string.')
  }
  const key = parsePublicKey(publicKey, 'attestationData.publicKey')
  const clientDataHash = createHash('sha256').update(clientDataBytes).digest('hex')
  const signed = Buffer.from(JSON.stringify({ clientDataHash, publicKey }), 'utf8')
  if (!verifyKeySignature(key, signed, Buffer.from(signature, 'hex'), algorithm)) {
    throw new AppError(
      'unauthorized',
      `Attestation signature of credential ${input.credId} does not verify.`,
      {
        details: { credId: input.credId },
      },
    )
  }
  return { publicKey }
}

/** Where passkeys may be used: the relying party id and the origins allowed for it. */
export interface RelyingParty {
  id: string
}

/** The origin a passkey ceremony took place on, accepted when its host is the RP id or below it. */
function originFor(clientDataB64: string, rp: RelyingParty): string {
  const origin = parseClientData(decodeBase64Url(clientDataB64, 'clientData')).origin
  if (typeof origin === 'string') {
    try {
      const host = new URL(origin).hostname
      if (host === rp.id || host.endsWith(`.${rp.id}`)) return origin
    } catch {
      // not a URL: refused below
    }
  }
  throw new AppError('unauthorized', `clientData.origin is not an origin of relying party ${rp.id}.`, {
    details: { field: 'clientData.origin', rpId: rp.id },
  })
}

export async function verifyFido2Attestation(
  input: KeyAttestationInput,
  challenge: string,
  rp: RelyingParty,
): Promise<{ publicKey: string; signCount: number; origin: string }> {
  const origin = originFor(input.clientData, rp)
  const { verifyRegistrationResponse } = await loadWebAuthn()
  try {
    const result = await verifyRegistrationResponse({
      response: {
        id: input.credId,
        rawId: input.credId,
        type: 'public-key',
        response: { clientDataJSON: input.clientData, attestationObject: input.attestationData },
        clientExtensionResults: {},
      },
      expectedChallenge: challenge,
      expectedOrigin: origin,
      expectedRPID: rp.id,
      requireUserVerification: false,
    })
    if (result.verified && result.registrationInfo) {
      return {
        publicKey: Buffer.from(result.registrationInfo.credential.publicKey).toString('base64url'),
        signCount: result.registrationInfo.credential.counter,
        origin,
      }
    }
  } catch (cause) {
    throw new AppError('unauthorized', `Passkey attestation does not verify: ${(cause as Error).message}`, {
      details: { credId: input.credId },
    })
  }
  throw new AppError('unauthorized', 'Passkey attestation does not verify.', {
    details: { credId: input.credId },
  })
}

export interface Fido2AssertionInput {
  credId: string
  clientData: string
  authenticatorData: string
  signature: string
  userHandle?: string | undefined
}

export async function verifyFido2Assertion(
  credential: Credential,
  input: Fido2AssertionInput,
  challenge: string,
  rp: RelyingParty,
): Promise<{ newSignCount: number }> {
  const origin = originFor(input.clientData, rp)
  const { verifyAuthenticationResponse } = await loadWebAuthn()
  try {
    const result = await verifyAuthenticationResponse({
      response: {
        id: input.credId,
        rawId: input.credId,
        type: 'public-key',
        response: {
          clientDataJSON: input.clientData,
          authenticatorData: input.authenticatorData,
          signature: input.signature,
          ...(input.userHandle ? { userHandle: input.userHandle } : {}),
        },
        clientExtensionResults: {},
      },
      expectedChallenge: challenge,
      expectedOrigin: origin,
      expectedRPID: rp.id,
      credential: {
        id: credential.credId,
        publicKey: Buffer.from(credential.publicKey, 'base64url'),
        counter: credential.signCount,
      },
      requireUserVerification: false,
    })
    if (result.verified) return { newSignCount: result.authenticationInfo.newCounter }
  } catch (cause) {
    throw new AppError('unauthorized', `Passkey assertion does not verify: ${(cause as Error).message}`, {
      details: { credId: input.credId },
    })
  }
  throw new AppError('unauthorized', 'Passkey assertion does not verify.', {
    details: { credId: input.credId },
  })
}

/**
 * @simplewebauthn/server is loaded on the first passkey verification, not at start: most
 * deployments (SDK + key credentials) never use it, and it costs ~24 MB and ~120 ms at start-up.
 */
function loadWebAuthn(): Promise<typeof import('@simplewebauthn/server')> {
  return import('@simplewebauthn/server')
}
