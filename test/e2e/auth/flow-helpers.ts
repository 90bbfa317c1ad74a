/**
 * What a client of the recovery and code flows does on its side, for the auth flow tests: read the
 * e-mailed codes (the emulator's mailbox), keep a recovery key encrypted with a secret only the user
 * knows, and sign a recovery package with it.
 */
import assert from 'node:assert/strict'
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  sign as cryptoSign,
  randomBytes,
  scryptSync,
} from 'node:crypto'
import { KeyCredentialSigner, newKey, type Walletd } from '../../helpers/sdk.ts'

export async function mailTo(w: Walletd, to: string) {
  const res = await fetch(`${w.baseUrl}/emulator/mailbox?to=${encodeURIComponent(to)}`, {
    headers: { authorization: `Bearer ${w.operatorToken}` },
  })
  assert.equal(res.status, 200)
  return ((await res.json()) as { items: { subject: string; text: string }[] }).items
}

/** The newest code of `label` ("Recovery code", "Login code") e-mailed to `to`. */
export async function mailedCode(w: Walletd, to: string, label: string): Promise<string> {
  for (const mail of await mailTo(w, to)) {
    const found = new RegExp(`${label}: ([A-Z2-9-]+)`).exec(mail.text)?.[1]
    if (found) return found
  }
  throw new Error(`no ${label} was mailed to ${to}`)
}

/** A recovery key: a key pair whose private half the client keeps encrypted with a secret. */
export class RecoveryKey {
  readonly signer = new KeyCredentialSigner(newKey('p256'))
  readonly secret = randomBytes(12).toString('base64url')

  /** The RecoveryKey credential for a registration or credential challenge. */
  async credential(challenge: object) {
    const attested = await this.signer.create(challenge)
    return { ...attested, credentialKind: 'RecoveryKey' as const, encryptedPrivateKey: this.encrypted() }
  }

  encrypted(): string {
    const salt = randomBytes(16)
    const iv = randomBytes(12)
    const cipher = createCipheriv('aes-256-gcm', scryptSync(this.secret, salt, 32), iv)
    const body = Buffer.concat([cipher.update(this.signer.key.privateKey, 'utf8'), cipher.final()])
    return Buffer.concat([salt, iv, cipher.getAuthTag(), body]).toString('base64url')
  }

  static decrypt(encrypted: string, secret: string): string {
    const raw = Buffer.from(encrypted, 'base64url')
    const decipher = createDecipheriv(
      'aes-256-gcm',
      scryptSync(secret, raw.subarray(0, 16), 32),
      raw.subarray(16, 28),
    )
    decipher.setAuthTag(raw.subarray(28, 44))
    return Buffer.concat([decipher.update(raw.subarray(44)), decipher.final()]).toString('utf8')
  }
}

/**
 * The body of `recover`: the recovery key (decrypted from what the server handed back) signs the
 * new credentials, clientData `key.get` whose challenge is base64url of their JSON.
 */
export function recoveryPackage(
  recoveryPrivateKey: string,
  credId: string,
  newCredentials: Record<string, unknown>,
) {
  const clientData = Buffer.from(
    JSON.stringify({
      type: 'key.get',
      challenge: Buffer.from(JSON.stringify(newCredentials)).toString('base64url'),
      origin: 'http://localhost',
      crossOrigin: false,
    }),
  )
  return {
    recovery: {
      kind: 'RecoveryKey' as const,
      credentialAssertion: {
        credId,
        clientData: clientData.toString('base64url'),
        signature: cryptoSign('sha256', clientData, recoveryPrivateKey).toString('base64url'),
      },
    },
    newCredentials,
  }
}

export const sha256 = (s: string) => createHash('sha256').update(s).digest('hex')
