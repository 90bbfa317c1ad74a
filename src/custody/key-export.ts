import { AppError } from '../errors.ts'
import { eciesEncrypt, parseEncryptionKey } from './ecies.ts'
import { IMPORT_SIGNER_ID, type ImportSigner } from './import-signer.ts'
import { PrivateKey } from './key-material.ts'
import type { HeldKey, KeyRef, KeyStore, PreparedKey } from './key-store.ts'
import type { Curve, Scheme } from './key-types.ts'

/**
 * The plan-gated key export and import of `POST /wallets/:id/export`, `POST /keys/:id/export`,
 * `POST /wallets/import` and `POST /keys/import`, in the reference's shapes.
 *
 * What is real: the key material, encrypted with ECIES (src/custody/ecies.ts) to the caller's
 * secp256k1 `encryptionKey`; import decrypts with the deployment's signer key from `GET /signers`.
 * What is not reproduced: Dfns keeps keys as MPC shares across several signers and exports one
 * encrypted share per signer (threshold `minSigners`, typically 3), in a format only Dfns' key-export
 * SDK (WASM) can recombine. walletd holds whole keys, so it exports exactly one "share" — the whole
 * private key, `minSigners: 1` — and imports the same. The official @dfns/sdk-keyexport and
 * sdk-keyimport packages therefore cannot read or produce walletd's envelopes; decrypt with
 * `eciesDecrypt` (or any ECIES implementation following the documented construction).
 */
export type Protocol = 'CGGMP24' | 'CGGMP21' | 'FROST' | 'FROST_BITCOIN' | 'GLOW20_DH' | 'KU23'

export const EXPORT_CONTEXT = 'key-export'
export const IMPORT_CONTEXT = 'key-import'

/** The protocols whose key type a walletd key can be described as, by key type. */
const protocolsFor: Record<string, Protocol[]> = {
  'ECDSA/secp256k1': ['CGGMP24', 'CGGMP21', 'KU23'],
  'Schnorr/secp256k1': ['FROST_BITCOIN'],
  'EdDSA/ed25519': ['FROST'],
}

const schemeOfProtocol: Record<Protocol, Scheme> = {
  CGGMP24: 'ECDSA',
  CGGMP21: 'ECDSA',
  KU23: 'ECDSA',
  FROST: 'EdDSA',
  FROST_BITCOIN: 'Schnorr',
  GLOW20_DH: 'DH',
}

export interface ExportRequest {
  encryptionKey: string
  supportedSchemes: { protocol: string; curve: string }[]
}

export interface ExportResponse {
  publicKey: string
  protocol: Protocol
  curve: Curve
  minSigners: number
  encryptedKeyShares: { signerId: string; encryptedKeyShare: string }[]
}

const invalid = (field: string, message: string, details: Record<string, unknown> = {}) =>
  new AppError('validation_failed', `${field} ${message}`, { details: { field, ...details } })

/** Picks the first of the caller's supported schemes that describes this key. */
export function chooseExportProtocol(
  key: Pick<HeldKey, 'scheme' | 'curve'>,
  supported: ExportRequest['supportedSchemes'],
) {
  const allowed = protocolsFor[`${key.scheme}/${key.curve}`] ?? []
  const match = supported.find((s) => s.curve === key.curve && (allowed as string[]).includes(s.protocol))
  if (!match) {
    throw invalid('supportedSchemes', `must include one of ${allowed.join(', ')} with curve ${key.curve}`, {
      allowed: allowed.map((protocol) => ({ protocol, curve: key.curve })),
    })
  }
  return match.protocol as Protocol
}

/**
 * Exports one key: the private key encrypted to `encryptionKey`. The caller checks the plan gate
 * (402), the key's state and the user action first, and marks the key exported afterwards.
 */
export async function exportKey(
  keyStore: KeyStore,
  ref: KeyRef,
  request: ExportRequest,
): Promise<ExportResponse> {
  let recipient: Uint8Array
  try {
    recipient = parseEncryptionKey(request.encryptionKey)
  } catch {
    throw invalid('encryptionKey', 'must be a secp256k1 public key (33 or 65 bytes SEC1, hex or base64)')
  }
  const held = await keyStore.getKey(ref)
  const protocol = chooseExportProtocol(held, request.supportedSchemes)
  const exported = await keyStore.exportKey(ref)
  try {
    return {
      publicKey: Buffer.from(exported.publicKey).toString('hex'),
      protocol,
      curve: exported.curve,
      minSigners: 1,
      encryptedKeyShares: [
        {
          signerId: Buffer.from(IMPORT_SIGNER_ID).toString('base64'),
          encryptedKeyShare: eciesEncrypt(recipient, exported.privateKey.reveal(), EXPORT_CONTEXT),
        },
      ],
    }
  } finally {
    exported.privateKey.wipe()
  }
}

export interface ImportRequest {
  curve: string
  protocol: string
  minSigners: number
  encryptedKeyShares: { signerId: string; encryptedKeyShare: string }[]
}

/**
 * Imports a key sent as one ECIES envelope addressed to the deployment's signer (see
 * `ImportSigner.describe`, served as `GET /signers`). Returns the stored key's public half.
 */
export async function importKey(
  deps: { keyStore: KeyStore; importSigner: ImportSigner },
  ref: KeyRef,
  request: ImportRequest,
): Promise<HeldKey> {
  const prepared = await prepareImportedKey(deps, ref, request)
  await prepared.save()
  return { scheme: prepared.scheme, curve: prepared.curve, publicKey: prepared.publicKey }
}

/** `importKey` without storing: the caller saves it in the transaction that records the key. */
export async function prepareImportedKey(
  deps: { keyStore: KeyStore; importSigner: ImportSigner },
  ref: KeyRef,
  request: ImportRequest,
): Promise<PreparedKey> {
  const scheme = schemeOfProtocol[request.protocol as Protocol]
  if (!scheme || scheme === 'DH') {
    throw invalid('protocol', 'must be one of CGGMP24, CGGMP21, KU23, FROST, FROST_BITCOIN', {
      allowed: ['CGGMP24', 'CGGMP21', 'KU23', 'FROST', 'FROST_BITCOIN'],
    })
  }
  const expectedCurve = scheme === 'EdDSA' ? 'ed25519' : 'secp256k1'
  if (request.curve !== expectedCurve) {
    throw invalid('curve', `must be ${expectedCurve} for protocol ${request.protocol}`, {
      allowed: [expectedCurve],
    })
  }
  if (request.minSigners !== 1 || request.encryptedKeyShares.length !== 1) {
    throw invalid(
      'minSigners',
      'must be 1 with exactly one encrypted share: walletd holds whole keys, not MPC shares',
      {
        allowed: [1],
      },
    )
  }
  const share = request.encryptedKeyShares[0]!
  if (share.signerId !== Buffer.from(IMPORT_SIGNER_ID).toString('base64')) {
    throw invalid('encryptedKeyShares[0].signerId', 'must be the signer listed by GET /signers')
  }
  let material: Uint8Array
  try {
    material = await deps.importSigner.decrypt(share.encryptedKeyShare, IMPORT_CONTEXT)
  } catch {
    throw invalid(
      'encryptedKeyShares[0].encryptedKeyShare',
      "does not decrypt with the signer's encryption key",
    )
  }
  const privateKey = new PrivateKey(material)
  material.fill(0)
  try {
    return await deps.keyStore.prepareImport(ref, { scheme, curve: expectedCurve }, privateKey)
  } finally {
    privateKey.wipe()
  }
}
