import { type Static, Type } from 'typebox'
import { OperationName } from '../../permissions/index.ts'

/**
 * The seed file: what `walletd start --seed FILE`, `POST /emulator/seed` and
 * `walletd emulator seed FILE` take. `schemas/seed.schema.json` is generated from this schema
 * (`npm run seed-schema`), so the shipped JSON Schema and the validation are the same thing.
 */

/** What every id of an entry is derived from: change it and the entry gets new ids. */
const Key = Type.String({
  minLength: 1,
  maxLength: 64,
  pattern: '^[a-z0-9][a-z0-9_-]*$',
  description: 'Stable name the ids of this entry are derived from (lowercase letters, digits, _ and -).',
})

const Pem = Type.String({
  minLength: 1,
  maxLength: 8192,
  pattern: '-----BEGIN PUBLIC KEY-----',
  description: 'SPKI PEM public key (what @dfns/sdk-keysigner signs with the matching private key).',
})

const PermissionNames = Type.Array(Type.String({ minLength: 1, maxLength: 128 }), {
  maxItems: 50,
  description:
    "Names of permissions of this org to assign: the seed's own, or DfnsFullAdminAccess / DfnsDefaultEndUserAccess.",
})

const Permission = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 128, pattern: '\\S' }),
    operations: Type.Array(OperationName, { minItems: 1, maxItems: 500 }),
  },
  { additionalProperties: false },
)

const ServiceAccount = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 128, pattern: '\\S' }),
    publicKey: Pem,
    externalId: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    permissions: Type.Optional(PermissionNames),
  },
  { additionalProperties: false },
)

const User = Type.Object(
  {
    email: Type.String({ minLength: 3, maxLength: 320, pattern: '^[^@\\s]+@[^@\\s]+$' }),
    kind: Type.Union([Type.Literal('CustomerEmployee'), Type.Literal('EndUser')]),
    publicKey: Type.Optional({
      ...Pem,
      description:
        'A Key credential the user logs in and signs with; without one the user is created unregistered.',
    }),
    credId: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 256,
        pattern: '^[A-Za-z0-9_-]+$',
        description: 'The credential id the client signs with (default: derived from the seed).',
      }),
    ),
    externalId: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    permissions: Type.Optional(PermissionNames),
  },
  { additionalProperties: false },
)

const Wallet = Type.Object(
  {
    key: Key,
    network: Type.String({ minLength: 1, maxLength: 64 }),
    privateKey: Type.String({
      pattern: '^(0x)?[0-9a-fA-F]{64}$',
      description:
        'The 32-byte private key, hex: the address is the same on every run. Test keys only: it is in the file.',
    }),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    scheme: Type.Optional(
      Type.Union([Type.Literal('ECDSA'), Type.Literal('EdDSA'), Type.Literal('Schnorr')]),
    ),
    curve: Type.Optional(Type.Union([Type.Literal('secp256k1'), Type.Literal('ed25519')])),
    externalId: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    tags: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 20 })),
    delegateTo: Type.Optional(
      Type.String({ minLength: 3, maxLength: 320, description: 'E-mail of an EndUser of this seed.' }),
    ),
    balance: Type.Optional(
      Type.String({
        pattern: '^(0|[1-9][0-9]{0,77})$',
        description:
          'Native balance in minimum units (wei), set on the dev chain (anvil_setBalance): exactly this, on every apply.',
      }),
    ),
  },
  { additionalProperties: false },
)

const Policy = Type.Record(Type.String(), Type.Unknown(), {
  description:
    'A policy body exactly as POST /v2/policies takes it (name, activityKind, rule, action, filters). Any string "$user:<email>", "$serviceAccount:<name>" or "$wallet:<key>" in it is replaced by the id of that entry of the same org.',
})

const Org = Type.Object(
  {
    key: Key,
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    plan: Type.Optional(Type.Union([Type.Literal('Developer'), Type.Literal('Enterprise')])),
    root: Type.Optional(
      Type.Object(
        {
          privateKey: Type.String({
            minLength: 1,
            maxLength: 8192,
            pattern: '-----BEGIN PRIVATE KEY-----',
            description: 'PKCS#8 PEM P-256 key of the root service account (default: derived from the seed).',
          }),
        },
        { additionalProperties: false },
      ),
    ),
    permissions: Type.Optional(Type.Array(Permission, { maxItems: 200 })),
    serviceAccounts: Type.Optional(Type.Array(ServiceAccount, { maxItems: 200 })),
    users: Type.Optional(Type.Array(User, { maxItems: 1000 })),
    wallets: Type.Optional(Type.Array(Wallet, { maxItems: 1000 })),
    policies: Type.Optional(Type.Array(Policy, { maxItems: 200 })),
  },
  { additionalProperties: false },
)

export const SeedSchema = Type.Object(
  {
    $schema: Type.Optional(Type.String()),
    orgs: Type.Array(Org, { minItems: 1, maxItems: 100 }),
  },
  {
    additionalProperties: false,
    $id: 'https://walletd.dev/schemas/seed.schema.json',
    title: 'walletd seed',
    description:
      'The starting state of a walletd emulator: orgs with their permissions, service accounts, users, wallets (fixed keys) and policies, and dev-chain balances. The same file gives the same ids, addresses and tokens on every apply.',
  },
)

export type Seed = Static<typeof SeedSchema>
export type SeedOrg = Seed['orgs'][number]
export type SeedWallet = NonNullable<SeedOrg['wallets']>[number]
