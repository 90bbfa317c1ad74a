/**
 * Webhook secrets are sealed under the master key (delivery needs them in clear to sign, so they
 * cannot be hashed), bound to their webhook. `walletd master-key rotate` re-seals them here.
 */
import type { SecretBox } from '../../custody/secret-box.ts'
import type { Executor, WebhookRecord } from './repository.ts'

/** Binds a sealed secret to its webhook: a row copied onto another webhook does not open. */
export function secretContext(webhook: Pick<WebhookRecord, 'id' | 'orgId'>): string {
  return `webhook-secret:${webhook.orgId}:${webhook.id}`
}

export function sealSecret(secrets: SecretBox, webhook: Pick<WebhookRecord, 'id' | 'orgId'>, secret: string) {
  return secrets.seal(Buffer.from(secret, 'utf8'), secretContext(webhook))
}

export function openSecret(
  secrets: SecretBox,
  webhook: Pick<WebhookRecord, 'id' | 'orgId' | 'secretSealed'>,
): string {
  return secrets.open(webhook.secretSealed, secretContext(webhook)).toString('utf8')
}

/**
 * Re-seals every webhook secret under `secrets`, opening it with `previousSecrets` (a secret that
 * already opens under `secrets` is left alone, so a rotation interrupted and run again is safe).
 * Runs in the caller's transaction; the ids of secrets neither key opens are reported.
 */
export async function resealWebhookSecrets(deps: {
  db: Executor
  secrets: SecretBox
  previousSecrets: SecretBox
}): Promise<{ resealed: number; unreadable: string[] }> {
  const report = { resealed: 0, unreadable: [] as string[] }
  const rows = await deps.db.selectFrom('webhooks').select(['id', 'org_id', 'secret_sealed']).execute()
  for (const row of rows) {
    const webhook = { id: row.id, orgId: row.org_id }
    try {
      deps.secrets.open(row.secret_sealed, secretContext(webhook)).fill(0)
      continue
    } catch {
      // not under the new key yet
    }
    let plain: Buffer
    try {
      plain = deps.previousSecrets.open(row.secret_sealed, secretContext(webhook))
    } catch {
      report.unreadable.push(`webhook ${row.id}`)
      continue
    }
    const next = deps.secrets.seal(plain, secretContext(webhook))
    plain.fill(0)
    await deps.db
      .updateTable('webhooks')
      .set({ secret_sealed: next })
      .where('id', '=', row.id)
      .where('secret_sealed', '=', row.secret_sealed)
      .execute()
    report.resealed++
  }
  return report
}
