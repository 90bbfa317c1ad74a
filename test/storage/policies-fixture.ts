/**
 * The policies domain on a fresh test database (SQLite, or PostgreSQL when
 * WALLETD_TEST_DATABASE_URL is set) with a hand-moved clock and a static price table.
 */
import { ManualClock } from '../../src/clock.ts'
import type { DatabaseHandle } from '../../src/db/database.ts'
import type { WalletSignActivity } from '../../src/domains/policies/activity.ts'
import {
  createPoliciesModule,
  type PoliciesModule,
  type PolicyEvent,
} from '../../src/domains/policies/index.ts'
import { createPriceSource } from '../../src/domains/policies/prices.ts'
import { newId } from '../../src/ids.ts'
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts'

export const T0 = Date.parse('2026-01-01T00:00:00.000Z')
export const ORG = 'or-00000-00000-0000000000000001'
export const prices = { ETH: 2000, USDC: 1 }

export interface PoliciesFixture {
  readonly database: TestDatabase
  readonly clock: ManualClock
  readonly domain: PoliciesModule
  readonly loggedErrors: Record<string, unknown>[]
  /** The policy.* events handed to the sink, in order. */
  readonly events: PolicyEvent[]
  /** Called inside the change's transaction with each event; throwing fails (rolls back) the change. */
  onEvent?: (event: PolicyEvent) => void
  /** The same domain code on another handle to the same data (a second node). */
  secondNode(): { domain: PoliciesModule; handle: DatabaseHandle }
  close(): Promise<void>
}

export async function policiesFixture(options: { sqliteFile?: string } = {}): Promise<PoliciesFixture> {
  const database = await createTestDatabase(options)
  const clock = new ManualClock(T0)
  const loggedErrors: Record<string, unknown>[] = []
  const events: PolicyEvent[] = []
  const fixture: { onEvent?: (event: PolicyEvent) => void } = {}
  const build = (handle: DatabaseHandle) =>
    createPoliciesModule({
      db: handle.db,
      clock,
      prices: createPriceSource({ table: prices }),
      // Called inside the change's transaction, as the webhooks module's writer is.
      events: async (event) => {
        fixture.onEvent?.(event)
        events.push(event)
      },
      logger: { error: (details) => loggedErrors.push(details) },
    })
  const extra: DatabaseHandle[] = []
  return Object.assign(fixture, {
    database,
    clock,
    domain: build(database),
    loggedErrors,
    events,
    secondNode() {
      const handle = database.openAnother()
      extra.push(handle)
      return { domain: build(handle), handle }
    },
    async close() {
      for (const handle of extra) await handle.close()
      await database.dispose()
    },
  })
}

export const initiator = { userId: 'us-initiator', kind: 'CustomerEmployee' as const, tokenId: 'to-1' }

/** A transfer of `usdc` USDC (priced at 1 USD) from `walletId`, as the wallets domain would describe it. */
export function transfer(over: Partial<WalletSignActivity> & { usdc?: number } = {}): WalletSignActivity {
  const { usdc = 10, ...rest } = over
  const requestId = rest.requestId ?? newId('transfer', Date.now())
  return {
    kind: 'Wallets:Sign',
    orgId: ORG,
    walletId: 'wa-1',
    walletTags: [],
    requestId,
    requestField: 'transferRequest',
    request: { id: requestId, walletId: rest.walletId ?? 'wa-1', status: 'Pending' },
    initiator,
    recipient: '0x00000000000000000000000000000000000000aa',
    value: { symbol: 'USDC', decimals: 6, amount: String(Math.round(usdc * 1_000_000)) },
    ...rest,
  }
}

/** A Hash signature: nothing to price, no recipient. */
export function hashSignature(over: Partial<WalletSignActivity> = {}): WalletSignActivity {
  const requestId = over.requestId ?? newId('signature', Date.now())
  return transfer({
    requestId,
    requestField: 'signatureRequest',
    request: { id: requestId, kind: 'Hash', status: 'Pending' },
    recipient: undefined,
    value: undefined,
    ...over,
  })
}

export const approvalGroup = (
  users: string[] | undefined,
  quorum: number,
  extra: Record<string, unknown> = {},
) => ({
  quorum,
  approvers: users ? { userId: { in: users } } : {},
  ...extra,
})
