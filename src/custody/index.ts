/**
 * Custody's public API (see README.md for the invariants).
 *
 * - `createSoftwareKeyStore({db, secrets})` → KeyStore: generateKey, getKey, signer, exportKey,
 *   importKey, destroyKey. `signer(ref)` is what `produceSignature` (src/chains) takes.
 * - `exportKey(keyStore, ref, body)` / `importKey({keyStore, importSigner}, ref, body)`: the
 *   reference's encrypted export/import shapes; `createImportSigner({db, secrets}).describe()` is the
 *   `GET /signers` response.
 */
export { eciesDecrypt, eciesEncrypt, parseEncryptionKey } from './ecies.ts'
export { createImportSigner, type ImportSigner, type SignerClusters } from './import-signer.ts'
export {
  chooseExportProtocol,
  EXPORT_CONTEXT,
  type ExportRequest,
  type ExportResponse,
  exportKey,
  IMPORT_CONTEXT,
  type ImportRequest,
  importKey,
  type Protocol,
  prepareImportedKey,
} from './key-export.ts'
export { PrivateKey } from './key-material.ts'
export {
  createSoftwareKeyStore,
  type ExportedKey,
  type HeldKey,
  type KeyRef,
  type KeyStore,
  keyAssociatedData,
  openWithFallback,
  type PreparedKey,
  type ResealReport,
  resealCustodyKeys,
  signerFromPrivateKey,
} from './key-store.ts'
export {
  type Curve,
  type KeySigner,
  type KeyType,
  type RawSignature,
  type Scheme,
  type SignOperation,
  supportedKeyTypes,
} from './key-types.ts'
export { loadMasterKey, MASTER_KEY_ENV, SecretBox } from './secret-box.ts'
