/** A seed with one of everything, for the emulator's seed, reset and snapshot tests. */

/** Two fixed test keys: whatever the run, their wallets have these addresses. */
export const EVM_KEY = `0x${'4c'.repeat(32)}` as const
export const SOLANA_KEY = `0x${'1d'.repeat(32)}`
export const BALANCE = 5_000_000_000_000_000_000n

export function testSeed(saPublicKey: string, options: { balance?: boolean } = {}) {
  const balance = options.balance ?? true
  return {
    orgs: [
      {
        key: 'acme',
        name: 'Acme',
        permissions: [
          { name: 'Signers', operations: ['Wallets:Read', 'Wallets:Create', 'Wallets:GenerateSignature'] },
        ],
        serviceAccounts: [{ name: 'ci', publicKey: saPublicKey, permissions: ['DfnsFullAdminAccess'] }],
        users: [{ email: 'jane@acme.test', kind: 'CustomerEmployee', permissions: ['Signers'] }],
        wallets: [
          {
            key: 'treasury',
            network: 'EthereumSepolia',
            privateKey: EVM_KEY,
            name: 'Treasury',
            ...(balance ? { balance: BALANCE.toString() } : {}),
          },
          { key: 'sol', network: 'SolanaDevnet', privateKey: SOLANA_KEY, tags: ['hot'] },
        ],
        policies: [
          {
            name: 'guard treasury',
            activityKind: 'Wallets:Sign',
            rule: { kind: 'AlwaysTrigger' },
            action: {
              kind: 'RequestApproval',
              approvalGroups: [
                { name: 'ci', quorum: 1, approvers: { userId: { in: ['$serviceAccount:ci'] } } },
              ],
            },
            filters: { walletId: { in: ['$wallet:treasury'] } },
          },
        ],
      },
    ],
  }
}

export type Seeded = {
  outcome: string
  orgs: {
    orgId: string
    root: { accessToken: string; credId: string; privateKey: string; userId: string; tokenId: string }
    serviceAccounts: { name: string; userId: string; tokenId: string; credId: string; accessToken: string }[]
    users: { email: string; userId: string }[]
    wallets: { key: string; id: string; address: string | null }[]
    permissions: { id: string }[]
    policies: { id: string }[]
  }[]
}
