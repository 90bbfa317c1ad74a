/**
 * Permission operations: the current names (SDK 0.8.21 `CreatePermissionBody.operations`, group 1)
 * and the legacy names the SDK still accepts (group 2), with what each legacy name now means.
 * Permissions may be created with either; they keep the names they were given and are checked
 * under the current names (`normalizeOperations`). Names only the 2024 Dfns documentation used
 * are in neither list and are refused with 400.
 */
export const currentOperations = [
  'Registry:Addresses:Create',
  'Registry:Addresses:Delete',
  'Registry:Addresses:Read',
  'Registry:Addresses:Update',
  'Registry:ContractSchemas:Create',
  'Registry:ContractSchemas:Delete',
  'Registry:ContractSchemas:Read',
  'Auth:Logs:Read',
  'Auth:Users:Create',
  'Auth:Users:Read',
  'Auth:Users:Update',
  'Auth:Users:Activate',
  'Auth:Users:Deactivate',
  'Auth:Users:Delete',
  'Auth:ServiceAccounts:Create',
  'Auth:ServiceAccounts:Read',
  'Auth:ServiceAccounts:Update',
  'Auth:ServiceAccounts:Deactivate',
  'Auth:ServiceAccounts:Activate',
  'Auth:ServiceAccounts:Delete',
  'Auth:Pats:Create',
  'Auth:Register:Delegated',
  'Auth:Login:Delegated',
  'Auth:Recover:Delegated',
  'Agreements:Acceptance:Create',
  'Agreements:Acceptance:Read',
  'Events:Read',
  'Exchanges:Create',
  'Exchanges:Read',
  'Exchanges:Delete',
  'Exchanges:Deposits:Create',
  'Exchanges:Withdrawals:Create',
  'FeeSponsors:Create',
  'FeeSponsors:Read',
  'FeeSponsors:Update',
  'FeeSponsors:Delete',
  'FeeSponsors:Use',
  'Orgs:Read',
  'Orgs:Update',
  'Orgs:Settings:Read',
  'Orgs:Settings:Update',
  'Permissions:Archive',
  'Permissions:Create',
  'Permissions:Read',
  'Permissions:Update',
  'Permissions:Assign',
  'Permissions:Revoke',
  'Permissions:Assignments:Read',
  'Policies:Archive',
  'Policies:Create',
  'Policies:Read',
  'Policies:Update',
  'Policies:Approvals:Read',
  'Policies:Approvals:Approve',
  'Signers:ListSigners',
  'Stakes:Create',
  'Stakes:Read',
  'Stakes:Update',
  'Swaps:Create',
  'Swaps:Read',
  'Payouts:Create',
  'Payouts:Read',
  'Payouts:Write',
  'Allocations:Create',
  'Allocations:Update',
  'Allocations:Read',
  'Keys:Create',
  'Keys:Delete',
  'Keys:Read',
  'Keys:Update',
  'Keys:Reuse',
  'Keys:Delegate',
  'Keys:Import',
  'Keys:Export',
  'Keys:Derive',
  'Keys:ChildKeys:Create',
  'Keys:Signatures:Create',
  'Keys:Signatures:Read',
  'KeyStores:Read',
  'KeyStores:Fleets:Create',
  'KeyStores:Fleets:Clone',
  'KeyStores:ProofOfControl:Create',
  'KeyStores:OnchainSignatures:Create',
  'Networks:CantonValidators:Create',
  'Networks:CantonValidators:Read',
  'Networks:CantonValidators:Update',
  'Networks:CantonValidators:Delete',
  'Wallets:Create',
  'Wallets:Read',
  'Wallets:Update',
  'Wallets:Tags:Add',
  'Wallets:Tags:Delete',
  'Wallets:Transactions:Create',
  'Wallets:Transactions:Read',
  'Wallets:Transactions:Abort',
  'Wallets:Transfers:Create',
  'Wallets:Transfers:Read',
  'Wallets:Transfers:Abort',
  'Wallets:Offers:Read',
  'Wallets:Offers:Settle',
  'Vaults:Create',
  'Vaults:Read',
  'Vaults:Update',
  'Vaults:Tags:Add',
  'Vaults:Tags:Delete',
  'Webhooks:Create',
  'Webhooks:Read',
  'Webhooks:Update',
  'Webhooks:Delete',
  'Webhooks:Ping',
  'Webhooks:Events:Read',
  'Billing:Read',
  'Billing:Write',
  'Analytics:Read',
] as const

export const legacyOperations = [
  'Alias:Create',
  'Alias:Delete',
  'Alias:Read',
  'Alias:Update',
  'Wallets:GenerateSignature',
  'Wallets:BroadcastTransaction',
  'Auth:Action:Sign',
  'Auth:Apps:Read',
  'Auth:Apps:Create',
  'Auth:Apps:Update',
  'Auth:Creds:Create',
  'Auth:Creds:Read',
  'Auth:Creds:Update',
  'Auth:Creds:Code:Create',
  'Auth:Types:Application',
  'Auth:Types:Employee',
  'Auth:Types:EndUser',
  'Auth:Types:Pat',
  'Auth:Types:ServiceAccount',
  'Internal:Auth:Types:Staff',
  'Auth:Users:Delegate',
  'PermissionAssignments:Create',
  'PermissionAssignments:Read',
  'PermissionAssignments:Revoke',
] as const

export type CurrentOperation = (typeof currentOperations)[number]
export type LegacyOperation = (typeof legacyOperations)[number]
export type Operation = CurrentOperation | LegacyOperation

/**
 * What a legacy name grants under the current names (the Dfns route → operation
 * table). A legacy name with no current counterpart maps to nothing and grants nothing.
 */
export const legacyToCurrent: Readonly<Record<LegacyOperation, readonly CurrentOperation[]>> = {
  'Alias:Create': [],
  'Alias:Delete': [],
  'Alias:Read': [],
  'Alias:Update': [],
  'Wallets:GenerateSignature': ['Keys:Signatures:Create'],
  'Wallets:BroadcastTransaction': ['Wallets:Transactions:Create'],
  'Auth:Action:Sign': [],
  'Auth:Apps:Read': ['Auth:ServiceAccounts:Read'],
  'Auth:Apps:Create': ['Auth:ServiceAccounts:Create'],
  'Auth:Apps:Update': ['Auth:ServiceAccounts:Update'],
  'Auth:Creds:Create': [],
  'Auth:Creds:Read': [],
  'Auth:Creds:Update': [],
  'Auth:Creds:Code:Create': [],
  'Auth:Types:Application': [],
  'Auth:Types:Employee': [],
  'Auth:Types:EndUser': [],
  'Auth:Types:Pat': [],
  'Auth:Types:ServiceAccount': [],
  'Internal:Auth:Types:Staff': [],
  'Auth:Users:Delegate': ['Auth:Register:Delegated', 'Auth:Login:Delegated', 'Auth:Recover:Delegated'],
  'PermissionAssignments:Create': ['Permissions:Assign'],
  'PermissionAssignments:Read': ['Permissions:Assignments:Read'],
  'PermissionAssignments:Revoke': ['Permissions:Revoke'],
}

const current: ReadonlySet<string> = new Set(currentOperations)
const legacy: ReadonlySet<string> = new Set(legacyOperations)

export function isCurrentOperation(name: string): name is CurrentOperation {
  return current.has(name)
}

export function isOperation(name: string): name is Operation {
  return current.has(name) || legacy.has(name)
}

/**
 * The current operations a list of (current or legacy) names grants, deduplicated and sorted.
 * Permissions keep the names they were created with (what the caller sent is what GET shows);
 * the guard checks the normalized set.
 */
export function normalizeOperations(names: readonly string[]): CurrentOperation[] {
  const out = new Set<CurrentOperation>()
  for (const name of names) {
    if (isCurrentOperation(name)) out.add(name)
    else if (legacy.has(name)) for (const c of legacyToCurrent[name as LegacyOperation]) out.add(c)
  }
  return [...out].sort()
}
