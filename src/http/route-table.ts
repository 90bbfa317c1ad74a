/**
 * The route table: every route of the Dfns API as the official SDK calls it, and for each who may
 * call it, or that walletd answers 501 for it.
 *
 * - `auth`: `token` (a Bearer access token), `none` (public: login, registration init…),
 *   `registration` (the temporary registration token as Bearer).
 * - `operation`: the permission operation the caller's assignments must cover; `null` means being
 *   authenticated is enough.
 * - `userAction`: whether an `x-dfns-useraction` header bound to this exact request is required.
 *   Every non-GET route needs one except login, registration, the user-action flow itself, logout
 *   and credential challenges, as the SDK's own clients show (they sign exactly these).
 * - `sdk`: the `DfnsApiClient` method that calls the route (`client.method`); it is the route's
 *   OpenAPI `operationId`. A test reads the installed SDK and fails when one of its methods has no
 *   row, or a row disagrees with the SDK about the user action.
 * - `errors`: the statuses the route gives beyond those its row implies (`errorStatusesOf`).
 * - `notServed`: the Dfns domain walletd does not serve. Such a row is registered as a route that
 *   answers 501 naming the domain first, before authentication, so no user action is consumed.
 *   To serve it, replace the row with `signed(…)`/`read(…)`/`open(…)` and register the route.
 *
 * Registering a route that has no row here fails at start-up (the onRoute check in src/app.ts), so
 * this file is always the whole list. Tests walk it to run the security checks on every route.
 */
export type RouteAuth = 'token' | 'none' | 'registration'

export interface RouteRule {
  readonly auth: RouteAuth
  readonly operation: string | null
  readonly userAction: boolean
  readonly sdk: string
  readonly summary: string
  readonly errors: readonly number[]
  readonly notServed?: string
}

const signed = (
  operation: string | null,
  sdk: string,
  summary: string,
  errors: number[] = [],
): RouteRule => ({
  auth: 'token',
  operation,
  userAction: true,
  sdk,
  summary,
  errors,
})
const read = (operation: string | null, sdk: string, summary: string, errors: number[] = []): RouteRule => ({
  auth: 'token',
  operation,
  userAction: false,
  sdk,
  summary,
  errors,
})
const open = (sdk: string, summary: string, errors: number[] = []): RouteRule => ({
  auth: 'none',
  operation: null,
  userAction: false,
  sdk,
  summary,
  errors,
})
const withRegistrationToken = (sdk: string, summary: string, errors: number[] = []): RouteRule => ({
  auth: 'registration',
  operation: null,
  userAction: false,
  sdk,
  summary,
  errors,
})
/** A route of the Dfns API walletd answers with 501 naming `domain`. */
const notServed = (domain: string, sdk: string, summary: string): RouteRule => ({
  auth: 'none',
  operation: null,
  userAction: false,
  sdk,
  summary,
  errors: [],
  notServed: domain,
})

// biome-ignore format: one row per line keeps the table readable and its merges small
export const routeTable: Readonly<Record<string, RouteRule>> = {
  // --- auth: login, logout, registration ---------------------------------------------------------
  'POST /auth/login/init': open('auth.createLoginChallenge', 'Start a login: get a challenge to sign', [404, 422]),
  'POST /auth/login': open('auth.login', 'Complete a login with the signed challenge', [401]),
  'POST /auth/login/delegated': signed('Auth:Login:Delegated', 'auth.delegatedLogin', 'Log in as an end user on their behalf', [404, 422]),
  'POST /auth/login/code': open('auth.sendLoginCode', 'Email a one-time login code', [429]),
  'POST /auth/login/social': open('auth.socialLogin', 'Log in with an OpenID Connect id token', [401, 503]),
  'POST /auth/login/sso/init': open('auth.ssoLoginInit', 'Start a single sign-on login: get the identity provider URL', [503]),
  'POST /auth/login/sso': open('auth.ssoLogin', 'Complete a single sign-on login with the authorization code', [401, 503]),
  'PUT /auth/logout': read(null, 'auth.logout', 'Log out: revoke the login token'),
  'POST /auth/registration/init': open('auth.createRegistrationChallenge', 'Start a registration with the emailed code', [401, 409]),
  'POST /auth/registration': withRegistrationToken('auth.register', 'Complete a registration with a first credential', [409, 501]),
  'POST /auth/registration/enduser': withRegistrationToken('auth.registerEndUser', 'Complete an end-user registration with wallets', [409, 501]),
  'POST /auth/registration/delegated': signed('Auth:Register:Delegated', 'auth.createDelegatedRegistrationChallenge', 'Start the registration of an end user on their behalf', [409]),
  'POST /auth/registration/social': open('auth.createSocialRegistrationChallenge', 'Start an end-user registration with an OpenID Connect id token', [401, 403, 409, 429, 503]),
  'PUT /auth/registration/code': open('auth.resendRegistrationCode', 'Email a new registration code', [429]),
  // --- auth: recovery ---------------------------------------------------------------------------
  'POST /auth/recover/user/code': open('auth.sendRecoveryCode', 'Email a recovery code', [429]),
  'POST /auth/recover/user/init': open('auth.createRecoveryChallenge', 'Start a recovery with the emailed code and a recovery credential', [401, 429]),
  'POST /auth/recover/user/delegated': signed('Auth:Recover:Delegated', 'auth.createDelegatedRecoveryChallenge', 'Start the recovery of an end user on their behalf', [404, 422]),
  'POST /auth/recover/user': withRegistrationToken('auth.recover', 'Complete a recovery: new credentials replace every old one', [401, 409, 501]),
  // --- auth: user actions and their audit log ----------------------------------------------------
  'POST /auth/action/init': read(null, 'auth.createUserActionChallenge', 'Start a user action: get a challenge bound to the request'),
  'POST /auth/action': read(null, 'auth.createUserActionSignature', 'Sign a user action challenge: get a single-use user action token'),
  'GET /auth/action/logs': read('Auth:Logs:Read', 'auth.listAuditLogs', 'List the user actions signed in the org'),
  'GET /auth/action/logs/:logId': read('Auth:Logs:Read', 'auth.getAuditLog', 'Get one signed user action'),
  // --- auth: users ------------------------------------------------------------------------------
  'POST /auth/users': signed('Auth:Users:Create', 'auth.createUser', 'Create a user', [409]),
  'GET /auth/users': read('Auth:Users:Read', 'auth.listUsers', 'List users'),
  'GET /auth/users/:userId': read('Auth:Users:Read', 'auth.getUser', 'Get a user'),
  'PUT /auth/users/:userId': signed('Auth:Users:Update', 'auth.updateUser', 'Update a user', [409, 422]),
  'PUT /auth/users/:userId/activate': signed('Auth:Users:Activate', 'auth.activateUser', 'Activate a user', [422]),
  'PUT /auth/users/:userId/deactivate': signed('Auth:Users:Deactivate', 'auth.deactivateUser', 'Deactivate a user', [422]),
  'DELETE /auth/users/:userId': signed('Auth:Users:Delete', 'auth.archiveUser', 'Archive a user'),
  // --- auth: service accounts -------------------------------------------------------------------
  'POST /auth/service-accounts': signed('Auth:ServiceAccounts:Create', 'auth.createServiceAccount', 'Create a service account with its token', [409, 422]),
  'GET /auth/service-accounts': read('Auth:ServiceAccounts:Read', 'auth.listServiceAccounts', 'List service accounts'),
  'GET /auth/service-accounts/:serviceAccountId': read('Auth:ServiceAccounts:Read', 'auth.getServiceAccount', 'Get a service account'),
  'PUT /auth/service-accounts/:serviceAccountId': signed('Auth:ServiceAccounts:Update', 'auth.updateServiceAccount', 'Update a service account', [409, 422]),
  'PUT /auth/service-accounts/:serviceAccountId/activate': signed('Auth:ServiceAccounts:Activate', 'auth.activateServiceAccount', 'Activate a service account', [422]),
  'PUT /auth/service-accounts/:serviceAccountId/deactivate': signed('Auth:ServiceAccounts:Deactivate', 'auth.deactivateServiceAccount', 'Deactivate a service account', [422]),
  'DELETE /auth/service-accounts/:serviceAccountId': signed('Auth:ServiceAccounts:Delete', 'auth.archiveServiceAccount', 'Archive a service account'),
  // --- auth: personal access tokens (a user manages their own; only creation needs an operation) --
  'POST /auth/pats': signed('Auth:Pats:Create', 'auth.createPersonalAccessToken', 'Create a personal access token', [409, 422]),
  'GET /auth/pats': read(null, 'auth.listPersonalAccessTokens', 'List your personal access tokens'),
  'GET /auth/pats/:tokenId': read(null, 'auth.getPersonalAccessToken', 'Get one of your personal access tokens'),
  'PUT /auth/pats/:tokenId': signed(null, 'auth.updatePersonalAccessToken', 'Update a personal access token', [409, 422]),
  'PUT /auth/pats/:tokenId/activate': signed(null, 'auth.activatePersonalAccessToken', 'Activate a personal access token', [422]),
  'PUT /auth/pats/:tokenId/deactivate': signed(null, 'auth.deactivatePersonalAccessToken', 'Deactivate a personal access token', [422]),
  'DELETE /auth/pats/:tokenId': signed(null, 'auth.archivePersonalAccessToken', 'Archive a personal access token'),
  // --- auth: credentials (a user manages their own) ---------------------------------------------
  'GET /auth/credentials': read(null, 'auth.listCredentials', 'List your credentials'),
  'POST /auth/credentials/init': read(null, 'auth.createCredentialChallenge', 'Start adding a credential: get a challenge', [501]),
  'POST /auth/credentials': signed(null, 'auth.createCredential', 'Add a credential', [409, 501]),
  'PUT /auth/credentials/activate': signed(null, 'auth.activateCredential', 'Activate a credential', [412]),
  'PUT /auth/credentials/deactivate': signed(null, 'auth.deactivateCredential', 'Deactivate a credential', [412]),
  'POST /auth/credentials/code': signed(null, 'auth.createCredentialCode', 'Create a one-time code to add a credential from another device', [429]),
  'POST /auth/credentials/code/init': open('auth.createCredentialChallengeWithCode', 'Start adding a credential with a one-time code', [401, 429, 501]),
  'POST /auth/credentials/code/verify': open('auth.createCredentialWithCode', 'Add a credential with a one-time code', [401, 409, 501]),
  // --- auth: applications (read only) -----------------------------------------------------------
  'GET /auth/apps': read(null, 'auth.listApplications', 'List applications'),
  'GET /auth/apps/:appId': read(null, 'auth.getApplication', 'Get an application'),
  // --- permissions ------------------------------------------------------------------------------
  'POST /permissions': signed('Permissions:Create', 'permissions.createPermission', 'Create a permission', [409]),
  'GET /permissions': read('Permissions:Read', 'permissions.listPermissions', 'List permissions'),
  'GET /permissions/:permissionId': read('Permissions:Read', 'permissions.getPermission', 'Get a permission'),
  'PUT /permissions/:permissionId': signed('Permissions:Update', 'permissions.updatePermission', 'Update a permission', [409, 422]),
  'PUT /permissions/:permissionId/archive': signed('Permissions:Archive', 'permissions.archivePermission', 'Archive a permission', [409, 422]),
  'POST /permissions/:permissionId/assignments': signed('Permissions:Assign', 'permissions.createAssignment', 'Assign a permission to an identity', [409, 422]),
  'GET /permissions/:permissionId/assignments': read('Permissions:Assignments:Read', 'permissions.listAssignments', 'List the assignments of a permission'),
  'DELETE /permissions/:permissionId/assignments/:assignmentId': signed('Permissions:Revoke', 'permissions.deleteAssignment', 'Revoke an assignment', [409]),
  // --- policies and approvals -------------------------------------------------------------------
  'POST /v2/policies': signed('Policies:Create', 'policies.createPolicy', 'Create a policy', [402, 409]),
  'GET /v2/policies': read('Policies:Read', 'policies.listPolicies', 'List policies'),
  'GET /v2/policies/:policyId': read('Policies:Read', 'policies.getPolicy', 'Get a policy'),
  'PUT /v2/policies/:policyId': signed('Policies:Update', 'policies.updatePolicy', 'Update a policy', [402, 409, 422]),
  'DELETE /v2/policies/:policyId': signed('Policies:Archive', 'policies.archivePolicy', 'Archive a policy', [409, 422]),
  'GET /v2/policy-approvals': read('Policies:Approvals:Read', 'policies.listApprovals', 'List approvals'),
  'GET /v2/policy-approvals/:approvalId': read('Policies:Approvals:Read', 'policies.getApproval', 'Get an approval'),
  'POST /v2/policy-approvals/:approvalId/decisions': signed('Policies:Approvals:Approve', 'policies.createApprovalDecision', 'Approve or deny an approval', [409, 412]),
  // --- wallets ----------------------------------------------------------------------------------
  'POST /wallets': signed('Wallets:Create', 'wallets.createWallet', 'Create a wallet', [402, 409, 501]),
  'GET /wallets': read('Wallets:Read', 'wallets.listWallets', 'List wallets'),
  'GET /wallets/:walletId': read('Wallets:Read', 'wallets.getWallet', 'Get a wallet'),
  'PUT /wallets/:walletId': signed('Wallets:Update', 'wallets.updateWallet', 'Update a wallet'),
  'PUT /wallets/:walletId/tags': signed('Wallets:Tags:Add', 'wallets.tagWallet', 'Add tags to a wallet', [409]),
  'DELETE /wallets/:walletId/tags': signed('Wallets:Tags:Delete', 'wallets.untagWallet', 'Remove tags from a wallet', [409]),
  'POST /wallets/:walletId/delegate': signed('Keys:Delegate', 'wallets.delegateWallet', 'Delegate a wallet to an end user', [402, 412]),
  'POST /wallets/:walletId/export': signed('Keys:Export', 'wallets.exportWallet', 'Export the key of a wallet', [402, 410, 412]),
  'POST /wallets/import': signed('Keys:Import', 'wallets.importWallet', 'Import a wallet from key shares', [402, 409, 501]),
  'POST /wallets/:walletId/activate': notServed('wallet activation', 'wallets.activateWallet', 'Activate a wallet on its network'),
  'POST /wallets/:walletId/signatures': signed('Keys:Signatures:Create', 'wallets.generateSignature', 'Sign with the key of a wallet', [402, 409, 410, 422]),
  'GET /wallets/:walletId/signatures': read('Keys:Signatures:Read', 'wallets.listSignatures', 'List the signature requests of a wallet'),
  'GET /wallets/:walletId/signatures/:signatureId': read('Keys:Signatures:Read', 'wallets.getSignature', 'Get a signature request of a wallet'),
  'GET /wallets/:walletId/assets': read('Wallets:Read', 'wallets.getWalletAssets', 'List the assets of a wallet', [503]),
  'GET /wallets/:walletId/nfts': read('Wallets:Read', 'wallets.getWalletNfts', 'List the NFTs of a wallet', [503]),
  'GET /wallets/:walletId/history': read('Wallets:Read', 'wallets.getWalletHistory', 'List the history of a wallet'),
  'GET /wallets/all/history': read('Wallets:Read', 'wallets.listOrgWalletHistory', 'List the history of every wallet of the org'),
  // --- wallets: transfers and transactions ------------------------------------------------------
  'POST /wallets/:walletId/transfers': signed('Wallets:Transfers:Create', 'wallets.transferAsset', 'Transfer an asset from a wallet', [404, 409, 410, 422, 503]),
  'GET /wallets/:walletId/transfers': read('Wallets:Transfers:Read', 'wallets.listTransfers', 'List the transfers of a wallet', [404]),
  'GET /wallets/:walletId/transfers/:transferId': read('Wallets:Transfers:Read', 'wallets.getTransfer', 'Get a transfer', [404]),
  'PUT /wallets/:walletId/transfers/:transferId/abort': signed('Wallets:Transfers:Abort', 'wallets.abortTransfer', 'Abort a transfer not yet broadcast', [404, 412]),
  'POST /wallets/:walletId/transfers/:transferId/cancel': signed('Wallets:Transfers:Create', 'wallets.cancelTransfer', 'Cancel a broadcast transfer (a 0-value self-send with its nonce)', [404, 410, 412, 422, 503]),
  'POST /wallets/:walletId/transfers/:transferId/speed-up': signed('Wallets:Transfers:Create', 'wallets.speedUpTransfer', 'Speed up a broadcast transfer (the same call with its nonce and higher fees)', [404, 410, 412, 422, 503]),
  'POST /wallets/:walletId/transactions': signed('Wallets:Transactions:Create', 'wallets.broadcastTransaction', 'Sign and broadcast a transaction', [404, 409, 410, 422, 503]),
  'GET /wallets/:walletId/transactions': read('Wallets:Transactions:Read', 'wallets.listTransactions', 'List the transactions of a wallet', [404]),
  'GET /wallets/:walletId/transactions/:transactionId': read('Wallets:Transactions:Read', 'wallets.getTransaction', 'Get a transaction', [404]),
  'PUT /wallets/:walletId/transactions/:transactionId/abort': signed('Wallets:Transactions:Abort', 'wallets.abortTransaction', 'Abort a transaction not yet broadcast', [404, 412]),
  'POST /wallets/:walletId/transactions/:transactionId/cancel': signed('Wallets:Transactions:Create', 'wallets.cancelTransaction', 'Cancel a broadcast transaction (a 0-value self-send with its nonce)', [404, 410, 412, 422, 503]),
  'POST /wallets/:walletId/transactions/:transactionId/speed-up': signed('Wallets:Transactions:Create', 'wallets.speedUpTransaction', 'Speed up a broadcast transaction (the same call with its nonce and higher fees)', [404, 410, 412, 422, 503]),
  // --- keys -------------------------------------------------------------------------------------
  'POST /keys': signed('Keys:Create', 'keys.createKey', 'Create a key', [402, 409]),
  'GET /keys': read('Keys:Read', 'keys.listKeys', 'List keys'),
  'GET /keys/:keyId': read('Keys:Read', 'keys.getKey', 'Get a key'),
  'PUT /keys/:keyId': signed('Keys:Update', 'keys.updateKey', 'Update a key', [410]),
  'DELETE /keys/:keyId': signed('Keys:Delete', 'keys.deleteKey', 'Delete a key', [410]),
  'POST /keys/:keyId/delegate': signed('Keys:Delegate', 'keys.delegateKey', 'Delegate a key to an end user', [402, 410, 412]),
  'POST /keys/:keyId/export': signed('Keys:Export', 'keys.exportKey', 'Export a key', [402, 410, 412]),
  'POST /keys/import': signed('Keys:Import', 'keys.importKey', 'Import a key from key shares', [402, 409]),
  'POST /keys/:keyId/derive': notServed('key derivation', 'keys.deriveKey', 'Derive a value from a key'),
  'POST /keys/:keyId/signatures': signed('Keys:Signatures:Create', 'keys.generateSignature', 'Sign with a key', [402, 409, 410, 422]),
  'GET /keys/:keyId/signatures': read('Keys:Signatures:Read', 'keys.listSignatures', 'List the signature requests of a key'),
  'GET /keys/:keyId/signatures/:signatureId': read('Keys:Signatures:Read', 'keys.getSignature', 'Get a signature request of a key'),
  'GET /signers': read('Signers:ListSigners', 'signers.listSigners', 'List the signers that hold key shares'),
  // --- networks ---------------------------------------------------------------------------------
  'GET /networks/fees': read(null, 'networks.getFees', 'Estimate network fees', [503]),
  'POST /networks/:network/call-function': read(null, 'networks.callFunction', 'Call a read-only contract function', [503]),
  // --- webhooks ---------------------------------------------------------------------------------
  'POST /webhooks': signed('Webhooks:Create', 'webhooks.createWebhook', 'Create a webhook', [402]),
  'GET /webhooks': read('Webhooks:Read', 'webhooks.listWebhooks', 'List webhooks'),
  'GET /webhooks/:webhookId': read('Webhooks:Read', 'webhooks.getWebhook', 'Get a webhook'),
  'PUT /webhooks/:webhookId': signed('Webhooks:Update', 'webhooks.updateWebhook', 'Update a webhook'),
  'DELETE /webhooks/:webhookId': signed('Webhooks:Delete', 'webhooks.deleteWebhook', 'Delete a webhook'),
  'POST /webhooks/:webhookId/ping': signed(
    'Webhooks:Ping',
    'webhooks.pingWebhook',
    'Send a test event to a webhook',
  ),
  'GET /webhooks/:webhookId/events': read(
    'Webhooks:Events:Read',
    'webhooks.listWebhookEvents',
    'List the events sent to a webhook',
  ),
  'GET /webhooks/:webhookId/events/:webhookEventId': read(
    'Webhooks:Events:Read',
    'webhooks.getWebhookEvent',
    'Get an event sent to a webhook',
  ),
  // --- Dfns domains walletd does not reproduce (see the README's fidelity table) -----------------
  'GET /agreements/latest-unaccepted': notServed('agreements', 'agreements.getLatestUnacceptedAgreement', 'Get the latest agreement not yet accepted'),
  'POST /agreements/:agreementId/accept': notServed('agreements', 'agreements.recordAgreementAcceptance', 'Accept an agreement'),
  'POST /allocations': notServed('allocations', 'allocations.createAllocation', 'Create an allocation'),
  'GET /allocations': notServed('allocations', 'allocations.listAllocations', 'List allocations'),
  'GET /allocations/:allocationId': notServed('allocations', 'allocations.getAllocation', 'Get an allocation'),
  'POST /allocations/:allocationId/actions': notServed('allocations', 'allocations.createAllocationAction', 'Act on an allocation'),
  'GET /allocations/:allocationId/actions': notServed('allocations', 'allocations.listAllocationActions', 'List the actions of an allocation'),
  'POST /exchanges': notServed('exchanges', 'exchanges.createExchange', 'Connect an exchange'),
  'GET /exchanges': notServed('exchanges', 'exchanges.listExchanges', 'List exchanges'),
  'GET /exchanges/:exchangeId': notServed('exchanges', 'exchanges.getExchange', 'Get an exchange'),
  'DELETE /exchanges/:exchangeId': notServed('exchanges', 'exchanges.deleteExchange', 'Disconnect an exchange'),
  'GET /exchanges/:exchangeId/accounts': notServed('exchanges', 'exchanges.listAccounts', 'List the accounts of an exchange'),
  'GET /exchanges/:exchangeId/accounts/:accountId/assets': notServed('exchanges', 'exchanges.listAccountAssets', 'List the assets of an exchange account'),
  'GET /exchanges/:exchangeId/accounts/:accountId/assets/:asset/withdrawal-networks': notServed('exchanges', 'exchanges.listAssetWithdrawalNetworks', 'List the networks an asset can be withdrawn to'),
  'POST /exchanges/:exchangeId/accounts/:accountId/deposits': notServed('exchanges', 'exchanges.createDeposit', 'Deposit to an exchange account'),
  'POST /exchanges/:exchangeId/accounts/:accountId/withdrawals': notServed('exchanges', 'exchanges.createWithdrawal', 'Withdraw from an exchange account'),
  'POST /fee-sponsors': notServed('fee sponsors', 'feeSponsors.createFeeSponsor', 'Create a fee sponsor'),
  'GET /fee-sponsors': notServed('fee sponsors', 'feeSponsors.listFeeSponsors', 'List fee sponsors'),
  'GET /fee-sponsors/:feeSponsorId': notServed('fee sponsors', 'feeSponsors.getFeeSponsor', 'Get a fee sponsor'),
  'PUT /fee-sponsors/:feeSponsorId/activate': notServed('fee sponsors', 'feeSponsors.activateFeeSponsor', 'Activate a fee sponsor'),
  'PUT /fee-sponsors/:feeSponsorId/deactivate': notServed('fee sponsors', 'feeSponsors.deactivateFeeSponsor', 'Deactivate a fee sponsor'),
  'DELETE /fee-sponsors/:feeSponsorId': notServed('fee sponsors', 'feeSponsors.deleteFeeSponsor', 'Delete a fee sponsor'),
  'GET /fee-sponsors/:feeSponsorId/fees': notServed('fee sponsors', 'feeSponsors.listSponsoredFees', 'List the fees a sponsor paid'),
  'GET /key-stores': notServed('key-stores', 'signers.listKeyStores', 'List key stores'),
  'POST /key-stores/:storeId/clone/input': notServed('key-stores', 'signers.createCloneInput', 'Start cloning a key store'),
  'POST /key-stores/:storeId/clone/output': notServed('key-stores', 'signers.submitCloneOutput', 'Finish cloning a key store'),
  'POST /key-stores/:storeId/genesis/input': notServed('key-stores', 'signers.createGenesisInput', 'Start a key store genesis'),
  'POST /key-stores/:storeId/genesis/output': notServed('key-stores', 'signers.submitGenesisOutput', 'Finish a key store genesis'),
  'POST /key-stores/:storeId/onchain-sign/input': notServed('key-stores', 'signers.createOnchainSignInput', 'Start an on-chain signature by a key store'),
  'POST /key-stores/:storeId/onchain-sign/output': notServed('key-stores', 'signers.submitOnchainSignOutput', 'Finish an on-chain signature by a key store'),
  'POST /key-stores/:storeId/proof-of-control/input': notServed('key-stores', 'signers.createProofOfControlInput', 'Start a proof of control of a key store'),
  'POST /key-stores/:storeId/proof-of-control/output': notServed('key-stores', 'signers.submitProofOfControlOutput', 'Finish a proof of control of a key store'),
  'POST /networks/:network/validators': notServed('canton', 'networks.createCantonValidator', 'Create a Canton validator'),
  'GET /networks/:network/validators': notServed('canton', 'networks.listCantonValidators', 'List Canton validators'),
  'GET /networks/:network/validators/:validatorId': notServed('canton', 'networks.getCantonValidator', 'Get a Canton validator'),
  'PUT /networks/:network/validators/:validatorId': notServed('canton', 'networks.updateCantonValidator', 'Update a Canton validator'),
  'DELETE /networks/:network/validators/:validatorId': notServed('canton', 'networks.deleteCantonValidator', 'Delete a Canton validator'),
  'POST /wallets/:walletId/canton/ledger-api': notServed('canton', 'wallets.cantonLedgerApiProxy', 'Call the Canton ledger API of a wallet'),
  'GET /wallets/:walletId/offers': notServed('canton', 'wallets.listOffers', 'List the Canton offers of a wallet'),
  'GET /wallets/:walletId/offers/:offerId': notServed('canton', 'wallets.getOffer', 'Get a Canton offer'),
  'PUT /wallets/:walletId/offers/:offerId/accept': notServed('canton', 'wallets.acceptOffer', 'Accept a Canton offer'),
  'PUT /wallets/:walletId/offers/:offerId/reject': notServed('canton', 'wallets.rejectOffer', 'Reject a Canton offer'),
  'POST /payouts': notServed('payouts', 'payouts.createPayout', 'Create a payout'),
  'POST /payouts/quote': notServed('payouts', 'payouts.createPayoutQuote', 'Quote a payout'),
  'GET /payouts': notServed('payouts', 'payouts.listPayouts', 'List payouts'),
  'GET /payouts/:payoutId': notServed('payouts', 'payouts.getPayout', 'Get a payout'),
  'POST /payouts/:payoutId/action': notServed('payouts', 'payouts.createPayoutAction', 'Act on a payout'),
  'POST /staking/stakes': notServed('staking', 'staking.createStake', 'Create a stake'),
  'GET /staking/stakes': notServed('staking', 'staking.listStakes', 'List stakes'),
  'GET /staking/stakes/:stakeId': notServed('staking', 'staking.getStakes', 'Get a stake'),
  'POST /staking/stakes/:stakeId/actions': notServed('staking', 'staking.createStakeAction', 'Act on a stake'),
  'GET /staking/stakes/:stakeId/actions': notServed('staking', 'staking.listStakeActions', 'List the actions of a stake'),
  'GET /staking/stakes/:stakeId/rewards': notServed('staking', 'staking.getStakeRewards', 'Get the rewards of a stake'),
  'POST /swaps': notServed('swaps', 'swaps.createSwap', 'Create a swap'),
  'GET /swaps': notServed('swaps', 'swaps.listSwaps', 'List swaps'),
  'GET /swaps/:swapId': notServed('swaps', 'swaps.getSwap', 'Get a swap'),
  'POST /swaps/quotes': notServed('swaps', 'swaps.createSwapQuote', 'Quote a swap'),
  'GET /swaps/quotes/:quoteId': notServed('swaps', 'swaps.getSwapQuote', 'Get a swap quote'),
}

export function routeKey(method: string, url: string): string {
  return `${method.toUpperCase()} ${url}`
}

/**
 * Every status a route can answer with: what its row implies (authentication, the permission
 * guard and user action, lookups by id, validation, the rate limit) and the row's own `errors`.
 */
export function errorStatusesOf(key: string, rule: RouteRule): number[] {
  if (rule.notServed) return [501]
  const statuses = new Set<number>([400, 429, 500, ...rule.errors])
  if (rule.auth !== 'none') statuses.add(401)
  if (rule.operation !== null || rule.userAction) statuses.add(403)
  if (key.includes('/:')) statuses.add(404)
  return [...statuses].sort((a, b) => a - b)
}

/**
 * The emulator's controls (development profile only): outside the Dfns API, so not in the table
 * above nor in its security walk. They are guarded by the operator token instead, and the start-up
 * check accepts them only when registered in a context decorated with `OPERATOR_GUARDED` (the
 * emulator domain's `/emulator` context, src/domains/emulator/mount.ts, which sets it).
 */
export const emulatorRoutes: ReadonlySet<string> = new Set([
  'GET /emulator/clock',
  'POST /emulator/clock',
  'GET /emulator/mailbox',
  'DELETE /emulator/mailbox',
  'GET /emulator/faults',
  'POST /emulator/faults',
  'DELETE /emulator/faults',
  'DELETE /emulator/faults/:faultId',
  'GET /emulator/journal',
  'DELETE /emulator/journal',
  'POST /emulator/seed',
  'POST /emulator/reset',
  'GET /emulator/snapshots',
  'POST /emulator/snapshots',
  'POST /emulator/snapshots/:name/restore',
  'DELETE /emulator/snapshots/:name',
  // the dev chain (transfers)
  'GET /emulator/chains',
  'POST /emulator/faucet',
])

/**
 * The decorator that marks the operator-guarded context. The start-up route check (server.ts)
 * accepts an `emulatorRoutes` route only in a context that has it; whoever guards that context
 * with the operator token sets it.
 */
export const OPERATOR_GUARDED = 'walletdOperatorGuarded'

/** Operational routes outside the Dfns API (no auth, no rate limit), with their summaries. */
export const operationalRoutes: ReadonlyMap<string, string> = new Map([
  ['GET /healthz', 'Liveness: the process answers'],
  ['GET /readyz', 'Readiness: the database answers (503 when it does not)'],
  ['GET /metrics', 'Prometheus metrics (text, not JSON)'],
  ['GET /openapi.json', 'This OpenAPI document'],
  // The public key that signs bearer tokens, for anyone who wants to verify them offline.
  ['GET /.well-known/jwks.json', 'The public keys that sign access tokens'],
])
