/**
 * What the every-route security check needs to address a route for real:
 *
 * - `idFixtures`: for each path parameter name, how to make (once) a resource of that kind in
 *   ANOTHER org, through the official SDK, so the check can prove that org's id is a 404. A route
 *   whose parameter has no fixture here fails the check with a message saying so: add one when
 *   you add a route with a new parameter.
 * - `sampleBodies`: a body that passes the route's schema, for the write routes whose schema would
 *   otherwise answer 400 before the lookup can answer 404. Routes absent here are sent `{}`.
 */
import { randomBytes } from 'node:crypto'
import { type DfnsApiClient, PolicyPendingError } from '@dfns/sdk'
import { newKey } from '../../helpers/sdk.ts'

export interface OtherOrg {
  readonly orgId: string
  /** Root of the other org (DfnsFullAdminAccess, Enterprise plan). */
  readonly client: DfnsApiClient
  readonly rootUserId: string
}

/**
 * Path parameters that name no org's resource (a network of `/networks/:network/…`): the same for
 * every org, so there is no other org's id to refuse.
 */
export const publicParams: ReadonlySet<string> = new Set(['network'])

/** The chain the checked app reaches (set by the test that starts it): transfers need real funds. */
export const fixtureChain: { rpcUrl?: string } = {}

async function fund(address: string): Promise<void> {
  if (!fixtureChain.rpcUrl) throw new Error('a transfer fixture needs fixtureChain.rpcUrl')
  const response = await fetch(fixtureChain.rpcUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'anvil_setBalance',
      params: [address, '0xde0b6b3a7640000'],
    }),
  })
  if (!response.ok) throw new Error(`anvil_setBalance answered ${response.status}`)
}

type Fixture = (org: OtherOrg, get: (param: string) => Promise<string>) => Promise<string>

const hash = () => `0x${randomBytes(32).toString('hex')}`

export const idFixtures: Readonly<Record<string, Fixture>> = {
  permissionId: async ({ client }) =>
    (await client.permissions.listPermissions({})).items.find((p) => p.name === 'DfnsFullAdminAccess')!.id,
  assignmentId: async ({ client }, get) =>
    (await client.permissions.listAssignments({ permissionId: await get('permissionId') })).items[0]!.id,
  userId: async ({ client }) => {
    const user = await client.auth.createUser({
      body: { email: `other-${randomBytes(4).toString('hex')}@example.com`, kind: 'CustomerEmployee' },
    })
    return user.userId
  },
  serviceAccountId: async ({ rootUserId }) => rootUserId,
  tokenId: async ({ client }) =>
    (
      await client.auth.createPersonalAccessToken({
        body: { name: 'other-pat', publicKey: newKey().publicKey },
      })
    ).tokenId,
  appId: async ({ client }) => (await client.auth.listApplications()).items[0]!.appId,
  logId: async ({ client }, get) => {
    await get('tokenId') // a user action the log will hold
    const csv = (await client.auth.listAuditLogs({
      query: { startTime: '2000-01-01T00:00:00.000Z', endTime: '2100-01-01T00:00:00.000Z' },
    })) as unknown as string
    const id = csv.split('\n')[1]?.split(',')[0]?.replaceAll('"', '')
    if (!id) throw new Error(`no audit log line in ${JSON.stringify(csv)}`)
    return id
  },
  policyId: async ({ client }) =>
    (
      await client.policies.createPolicy({
        body: {
          name: 'other-org policy',
          activityKind: 'Wallets:Sign',
          rule: { kind: 'TransactionAmountLimit', configuration: { limit: 1000, currency: 'USD' } },
          action: { kind: 'Block' },
        },
      })
    ).id,
  approvalId: async ({ client, rootUserId }) => {
    const named = await client.permissions.createPermission({
      body: { name: `held-${randomBytes(3).toString('hex')}`, operations: ['Wallets:Read'] },
    })
    await client.policies.createPolicy({
      body: {
        name: 'hold permission changes',
        activityKind: 'Permissions:Modify',
        rule: { kind: 'AlwaysTrigger' },
        action: {
          kind: 'RequestApproval',
          approvalGroups: [{ quorum: 1, approvers: { userId: { in: [rootUserId] } } }],
        },
        filters: { permissionId: { in: [named.id] } },
      },
    })
    try {
      await client.permissions.updatePermission({ permissionId: named.id, body: { name: `${named.name}-x` } })
    } catch (err) {
      if (err instanceof PolicyPendingError) return (err.context as { approvalId: string }).approvalId
      throw err
    }
    throw new Error('the held change was applied')
  },
  walletId: async ({ client }) =>
    (await client.wallets.createWallet({ body: { network: 'EthereumSepolia' } })).id,
  keyId: async ({ client }, get) =>
    (await client.wallets.getWallet({ walletId: await get('walletId') })).signingKey.id!,
  transferId: async ({ client }, get) => {
    const walletId = await get('walletId')
    const wallet = await client.wallets.getWallet({ walletId })
    await fund(wallet.address!)
    return (
      await client.wallets.transferAsset({
        walletId,
        body: { kind: 'Native', to: wallet.address!, amount: '1' },
      })
    ).id
  },
  transactionId: async ({ client }, get) => {
    const walletId = await get('walletId')
    const wallet = await client.wallets.getWallet({ walletId })
    await fund(wallet.address!)
    return (
      await client.wallets.broadcastTransaction({
        walletId,
        body: { kind: 'Evm', to: wallet.address!, value: '1' },
      })
    ).id
  },
  signatureId: async ({ client }, get) =>
    (
      await client.wallets.generateSignature({
        walletId: await get('walletId'),
        body: { kind: 'Hash', hash: hash() },
      })
    ).id,
  webhookId: async ({ client }) =>
    (
      await client.webhooks.createWebhook({
        body: { url: 'http://127.0.0.1:9/other-org', events: ['wallet.created'], status: 'Disabled' },
      })
    ).id,
  webhookEventId: async ({ client }, get) => {
    // A disabled webhook still lists nothing; enable it, cause an event, read its id.
    const webhookId = await get('webhookId')
    await client.webhooks.updateWebhook({ webhookId, body: { status: 'Enabled' } })
    await client.wallets.createWallet({ body: { network: 'EthereumSepolia' } })
    const event = (await client.webhooks.listWebhookEvents({ webhookId })).items[0]
    if (!event) throw new Error('no webhook event in the other org')
    return event.id
  },
}

const policyBody = {
  name: 'renamed',
  activityKind: 'Wallets:Sign',
  rule: { kind: 'TransactionAmountLimit', configuration: { limit: 1, currency: 'USD' } },
  action: { kind: 'Block' },
}

export const sampleBodies: Readonly<Record<string, unknown>> = {
  'PUT /auth/users/:userId': { isSSORequired: false },
  'PUT /auth/service-accounts/:serviceAccountId': { name: 'renamed' },
  'PUT /auth/pats/:tokenId': { name: 'renamed' },
  'PUT /permissions/:permissionId': { name: 'renamed' },
  'PUT /permissions/:permissionId/archive': { isArchived: true },
  'POST /permissions/:permissionId/assignments': { identityId: 'us-00000-00000-0000000000000000' },
  'PUT /v2/policies/:policyId': policyBody,
  'POST /v2/policy-approvals/:approvalId/decisions': { value: 'Approved' },
  'PUT /wallets/:walletId': { name: 'renamed' },
  'PUT /wallets/:walletId/tags': { tags: ['t'] },
  'DELETE /wallets/:walletId/tags': { tags: ['t'] },
  'POST /wallets/:walletId/delegate': { userId: 'us-00000-00000-0000000000000000' },
  'POST /wallets/:walletId/export': {
    encryptionKey: newKey().publicKey,
    supportedSchemes: [{ protocol: 'CGGMP24', curve: 'secp256k1' }],
  },
  'POST /wallets/:walletId/signatures': { kind: 'Hash', hash: hash() },
  'POST /wallets/:walletId/transfers': {
    kind: 'Native',
    to: '0x0000000000000000000000000000000000000001',
    amount: '1',
  },
  'POST /wallets/:walletId/transactions': {
    kind: 'Evm',
    to: '0x0000000000000000000000000000000000000001',
    value: '1',
  },
  'PUT /keys/:keyId': { name: 'renamed' },
  'POST /keys/:keyId/delegate': { delegateTo: 'us-00000-00000-0000000000000000' },
  'POST /keys/:keyId/export': {
    encryptionKey: newKey().publicKey,
    supportedSchemes: [{ protocol: 'CGGMP24', curve: 'secp256k1' }],
  },
  'POST /keys/:keyId/signatures': { kind: 'Hash', hash: hash() },
  'PUT /webhooks/:webhookId': { description: 'renamed' },
}
