import type { Generated } from 'kysely'

/**
 * The table types of the whole database, one interface per domain, joined here.
 * Columns are dialect-neutral: text (ids, ISO-8601 dates, JSON), integer (booleans as 0/1, counters)
 * and bigint, so the same migrations and queries run on SQLite and PostgreSQL.
 */
export interface FoundationTables {
  first_start_claims: {
    task: string
    date_claimed: string
  }
  /** One row (`id` = 'master'): a value sealed with the master key, to recognise a wrong key. */
  master_key_check: {
    id: string
    sealed: string
    date_updated: string
  }
  orgs: {
    id: string
    name: string
    date_created: string
    /** Replaced in the transaction of every permission or assignment change (caches key on it). */
    permissions_version: Generated<string>
    /** Replaced in the transaction of every policy change (the active-policy cache keys on it). */
    policies_version: Generated<string>
  }
  error_log: {
    id: string
    status: number
    code: string
    method: string
    path: string
    org_id: string | null
    caller_id: string | null
    request_id: string
    message: string
    details: string
    cause: string | null
    /** How many errors of this kind were folded into this row by the flood guard. */
    suppressed: number
    date_created: string
  }
}

export interface PlanTables {
  org_plans: {
    org_id: string
    name: string
    /** JSON of PlanFeatures. */
    features: string
    rate_limit_per_minute: number
    date_updated: string
  }
}

/** Identities, credentials, tokens, challenges and user actions (migration 0002-auth). */
export interface AuthTables {
  apps: {
    id: string
    org_id: string
    name: string
    kind: string
    is_active: number
    is_default: number
    date_created: string
  }
  users: {
    id: string
    org_id: string
    username: string
    name: string
    kind: string
    is_service_account: number
    is_active: number
    is_archived: number
    is_registered: number
    is_sso_required: number
    credential_uuid: string | null
    external_id: string | null
    /** SHA-256 (hex) of the one-time registration code, cleared once the user registers. */
    registration_code_hash: string | null
    registration_code_expires_at: string | null
    date_created: string
    date_updated: string
  }
  access_tokens: {
    id: string
    org_id: string
    user_id: string
    app_id: string
    /** ServiceAccount | Pat | Token (login session) | Temp (registration). */
    kind: string
    name: string
    external_id: string | null
    is_active: number
    is_archived: number
    expires_at: string
    date_created: string
    date_updated: string
  }
  credentials: {
    id: string
    org_id: string
    user_id: string
    /** Set for the key of a service-account token or PAT; null for a user's own credentials. */
    token_id: string | null
    kind: string
    cred_id: string
    name: string
    /** PEM (SPKI or PKCS#1) for key credentials; base64url COSE key for Fido2. */
    public_key: string
    encrypted_private_key: string | null
    relying_party_id: string
    origin: string
    sign_count: number
    is_active: number
    date_created: string
  }
  auth_challenges: {
    id: string
    org_id: string
    /** UserAction | Login | Registration | Credential. */
    purpose: string
    user_id: string
    token_id: string | null
    challenge: string
    /** JSON array of the credIds that may answer. */
    allowed_cred_ids: string
    credential_kind: string | null
    http_method: string | null
    http_path: string | null
    payload: string | null
    expires_at: string
    used_at: string | null
    date_created: string
    /** The client address of an unauthenticated init (login, registration), for its cap. */
    client_address: string | null
  }
  /** One-time codes (recovery, login, credential codes) and single sign-on state; only hashes. */
  auth_codes: {
    id: string
    org_id: string
    user_id: string | null
    /** Recovery | Login | Credential | Sso. */
    purpose: string
    /** SHA-256 (hex) of the code (of the state, for Sso). */
    code_hash: string
    /** JSON of what the code is bound to (Sso: nonce, redirect URI, provider). */
    payload: string | null
    /** Wrong guesses against this code. */
    attempts: number
    client_address: string | null
    expires_at: string
    used_at: string | null
    date_created: string
  }
  /** An OpenID Connect identity (issuer + subject) linked to a user of an org (social login). */
  auth_oidc_identities: {
    org_id: string
    issuer: string
    subject: string
    user_id: string
    date_created: string
  }
  user_actions: {
    id: string
    /** SHA-256 (hex) of the userAction token; the token itself is never stored. */
    token_hash: string
    org_id: string
    user_id: string
    token_id: string
    http_method: string
    http_path: string
    payload: string
    credential_uuid: string
    client_data: string
    signature: string
    authenticator_data: string | null
    expires_at: string
    used_at: string | null
    date_created: string
    /** The challenge this action answered; inserting the row marks it used (migration 0013). */
    challenge_id: string | null
  }
  signing_keys: {
    purpose: string
    kid: string
    algorithm: string
    public_key: string
    sealed_private_key: string
    date_created: string
  }
}

/** Permissions ("roles") and their assignments to users, service accounts and PATs. */
export interface PermissionTables {
  permissions: {
    id: string
    org_id: string
    name: string
    /** JSON array of operation names. */
    operations: string
    status: string
    is_immutable: number
    is_archived: number
    date_created: string
    date_updated: string
  }
  permission_assignments: {
    id: string
    org_id: string
    permission_id: string
    /** A user or service-account id (`us-…`) or a PAT id (`to-…`). */
    identity_id: string
    is_immutable: number
    date_created: string
    date_updated: string
  }
}

/** Sealed private keys (src/custody). Nothing else in the database holds key material. */
export interface CustodyTables {
  custody_keys: {
    key_id: string
    org_id: string
    scheme: string
    curve: string
    /** Hex; compressed SEC1 for secp256k1, raw 32 bytes for ed25519. */
    public_key: string
    sealed_private_key: string
    /** 'generated' | 'imported' */
    origin: string
    date_created: string
  }
  custody_signers: {
    signer_id: string
    public_key: string
    sealed_private_key: string
    date_created: string
  }
}

/** Policies v2, approvals, change requests and the velocity ledger (src/domains/policies). */
export interface PolicyTables {
  policies: {
    id: string
    org_id: string
    name: string
    status: string
    activity_kind: string
    rule: string
    action: string
    filters: string | null
    date_created: string
    date_updated: string
  }
  policy_approvals: {
    id: string
    org_id: string
    initiator_id: string
    status: string
    activity_kind: string
    activity: string
    policy_evaluations: string
    approval_groups: string
    open_to_org: number
    expiration_date: string | null
    date_created: string
    date_updated: string
    date_resolved: string | null
    dispatched: number
    dispatch_claimed_until: string | null
  }
  policy_approval_decisions: {
    approval_id: string
    user_id: string
    user_kind: string
    value: string
    reason: string | null
    date: string
    seq: number
  }
  policy_approval_approvers: {
    approval_id: string
    org_id: string
    user_id: string
  }
  policy_change_requests: {
    id: string
    org_id: string
    kind: string
    operation_kind: string
    entity_id: string
    status: string
    requester: string
    approval_id: string
    body: string
    date_created: string
    date_resolved: string | null
    pending_key: string | null
  }
  policy_governed_requests: {
    id: string
    org_id: string
    wallet_id: string
    date_created: string
    amount_usd_micros: number | null
    rejected: number
  }
  policy_velocity_buckets: {
    wallet_id: string
    granularity: string
    bucket_start: string
    request_count: number
    amount_usd_micros: number
    unpriced_count: number
  }
}

/** Keys, wallets and signature requests (migration 0007-wallets). */
export interface WalletTables {
  keys: {
    id: string
    org_id: string
    scheme: string
    curve: string
    public_key: string
    name: string | null
    status: string
    delegated_to: string | null
    delay_delegation: number
    imported: number
    exported: number
    date_exported: string | null
    date_created: string
    date_deleted: string | null
  }
  wallets: {
    id: string
    org_id: string
    key_id: string
    network: string
    address: string | null
    name: string | null
    status: string
    external_id: string | null
    tags: string
    delegated_to: string | null
    delay_delegation: number
    date_created: string
    date_deleted: string | null
  }
  signature_requests: {
    id: string
    org_id: string
    wallet_id: string | null
    key_id: string
    network: string | null
    target: string
    requester_user_id: string
    requester_token_id: string | null
    request_body: string
    canonical_body: string
    status: string
    reason: string | null
    signature: string | null
    signatures: string | null
    signed_data: string | null
    approval_id: string | null
    external_id: string | null
    date_requested: string
    date_policy_resolved: string | null
    date_signed: string | null
    /** While `Executing`: until when its node may still be working on it (migration 0020). */
    lease_until: string | null
  }
}

/** The background-work queue (src/jobs, migration 0040-jobs). */
export interface JobTables {
  jobs: {
    id: string
    kind: string
    payload: string
    status: string
    run_at: string
    attempts: number
    lease_token: string | null
    lease_until: string | null
    last_error: string | null
    dedupe_key: string | null
    date_created: string
    date_finished: string | null
  }
}

/** Transfer and transaction requests and EVM nonce counters (migration 0041-transfers). */
export interface TransferTables {
  transfer_requests: {
    id: string
    org_id: string
    wallet_id: string
    network: string
    category: string
    from_address: string
    requester_user_id: string
    requester_token_id: string | null
    request_body: string
    canonical_body: string
    plan: string
    metadata: string | null
    status: string
    cleared: number
    reason: string | null
    approval_id: string | null
    external_id: string | null
    nonce: number | null
    signed_tx: string | null
    tx_hash: string | null
    fee: string | null
    details: string | null
    replacement_id: string | null
    replaces_id: string | null
    date_requested: string
    date_policy_resolved: string | null
    date_broadcasted: string | null
    date_confirmed: string | null
  }
  evm_nonces: {
    network: string
    address: string
    next_nonce: number
  }
}

/** Webhooks and their event log, one row per delivery attempt (migration 0050-webhooks). */
export interface WebhookTables {
  webhooks: {
    id: string
    org_id: string
    url: string
    description: string | null
    /** JSON array of event kinds or `["*"]`. */
    events: string
    status: string
    secret_sealed: string
    date_created: string
    date_updated: string
  }
  webhook_events: {
    id: string
    org_id: string
    webhook_id: string
    kind: string
    date: string
    /** JSON. */
    data: string
    status: string | null
    error: string | null
    timestamp_sent: number | null
    delivery_failed: number
    delivery_attempt: number
    retry_of: string | null
    next_attempt_date: string | null
    date_created: string
  }
}

/** What the block follower found on chain, and where it has got to (migration 0021-chain-history). */
export interface ChainTables {
  chain_events: {
    id: string
    org_id: string
    wallet_id: string
    network: string
    direction: string
    kind: string
    block_number: number
    block_hash: string
    tx_hash: string
    log_index: number | null
    event_key: string
    contract: string | null
    from_address: string
    to_address: string
    value: string | null
    token_id: string | null
    fee: string | null
    symbol: string | null
    decimals: number | null
    timestamp: string
    date_created: string
    /** USD per whole unit when recorded, decimal text (migration 0022). */
    usd_price: string | null
  }
  chain_cursors: {
    network: string
    next_block: number
    date_updated: string
  }
  chain_blocks: {
    network: string
    number: number
    hash: string
    parent_hash: string
  }
}

export interface Database
  extends FoundationTables,
    ChainTables,
    JobTables,
    TransferTables,
    WebhookTables,
    PlanTables,
    AuthTables,
    PermissionTables,
    CustodyTables,
    PolicyTables,
    WalletTables {}
