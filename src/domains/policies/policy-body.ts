/**
 * The policy body (create and update), shaped exactly like `@dfns/sdk` 0.8.21
 * (generated/policies/types.d.ts). `PolicyBodySchema` is the whole discriminated union
 * (activityKind × rule × action × filters), built from the combination table `allowedCombinations`:
 * it is what validates a body (validate.ts), what OpenAPI shows, and what the body type follows.
 * Objects are closed (`additionalProperties: false`): a filter the table does not allow for an
 * activity kind is an unknown property and is refused by name.
 */
import { type Static, type StaticDecode, type TSchema, Type } from 'typebox'

const closed = { additionalProperties: false } as const

/** Bounds on every list and string a policy may carry (style: every input string has a maxLength). */
export const limits = {
  name: 256,
  id: 128,
  ids: 1000,
  address: 256,
  addresses: 10_000,
  tag: 128,
  tags: 100,
  categoryIds: 1000,
  approvalGroups: 50,
  groupName: 256,
  quorum: 1000,
  template: 256,
  reason: 1024,
  /** autoRejectTimeout, in minutes: a year. The reference sets no bound; an unbounded one is a typo trap. */
  autoRejectTimeout: 525_600,
  /** Velocity window, in minutes (reference: 1..43,200). */
  timeframeMin: 1,
  timeframeMax: 43_200,
} as const

const IdString = Type.String({ minLength: 1, maxLength: limits.id })
const IdList = Type.Object({ in: Type.Array(IdString, { maxItems: limits.ids }) }, closed)
const CategoryIds = Type.Array(Type.Integer({ minimum: 0 }), { maxItems: limits.categoryIds })
// Shared by the Chainalysis prescreening (outgoing) and screening (incoming) rules.
const ChainalysisAlerts = Type.Object(
  {
    alertLevel: Type.Union([
      Type.Literal('LOW'),
      Type.Literal('MEDIUM'),
      Type.Literal('HIGH'),
      Type.Literal('SEVERE'),
    ]),
    categoryIds: CategoryIds,
  },
  closed,
)
const ChainalysisExposures = Type.Object(
  { direct: Type.Object({ categoryIds: CategoryIds }, closed) },
  closed,
)
const ChainalysisFallback = Type.Object(
  {
    skipUnscreenableTransaction: Type.Boolean(),
    skipUnsupportedNetwork: Type.Boolean(),
    skipUnsupportedAsset: Type.Boolean(),
    skipChainalysisFailure: Type.Boolean(),
  },
  closed,
)
const Currency = Type.Literal('USD')
/** A limit may arrive as `1000` or (docs example) `"1000"`; it decodes to the number that is stored. */
const Limit = Type.Codec(
  Type.Union([Type.Number({ minimum: 0 }), Type.String({ pattern: '^[0-9]+(\\.[0-9]+)?$', maxLength: 32 })]),
)
  .Decode((limit) => Number(limit))
  .Encode((limit) => limit)
const Timeframe = Type.Integer({ minimum: limits.timeframeMin, maximum: limits.timeframeMax })

// --- rules -------------------------------------------------------------------------------------

export const ruleConfigurationSchemas = {
  AlwaysTrigger: Type.Object({}, closed),
  TransactionRecipientWhitelist: Type.Object(
    {
      addresses: Type.Array(Type.String({ minLength: 1, maxLength: limits.address }), {
        maxItems: limits.addresses,
      }),
    },
    closed,
  ),
  TransactionAmountLimit: Type.Object({ limit: Limit, currency: Currency }, closed),
  TransactionAmountVelocity: Type.Object({ limit: Limit, currency: Currency, timeframe: Timeframe }, closed),
  TransactionCountVelocity: Type.Object({ limit: Limit, timeframe: Timeframe }, closed),
  ChainalysisTransactionPrescreening: Type.Object(
    {
      alerts: ChainalysisAlerts,
      exposures: ChainalysisExposures,
      addresses: Type.Object({ categoryIds: CategoryIds }, closed),
      userIdTemplate: Type.Optional(Type.String({ maxLength: limits.template })),
      fallbackBehaviours: ChainalysisFallback,
    },
    closed,
  ),
  ChainalysisTransactionScreening: Type.Object(
    {
      alerts: ChainalysisAlerts,
      exposures: ChainalysisExposures,
      userIdTemplate: Type.Optional(Type.String({ maxLength: limits.template })),
      fallbackBehaviours: ChainalysisFallback,
    },
    closed,
  ),
  GlobalLedgerTransactionPrescreening: Type.Object(
    {
      riskScoreThreshold: Type.Number({ minimum: 0, maximum: 100 }),
      fallbackBehaviours: Type.Object(
        {
          skipUnscreenableTransaction: Type.Boolean(),
          skipUnsupportedNetwork: Type.Boolean(),
          skipUnsupportedAsset: Type.Boolean(),
          skipGlobalLedgerFailure: Type.Boolean(),
        },
        closed,
      ),
    },
    closed,
  ),
  TravelRuleTransactionPrescreening: Type.Object(
    {
      vendor: Type.Literal('Notabene'),
      autoTriggerTimeoutSeconds: Type.Integer({ minimum: 0 }),
      autoClearAfterDeliveredTimeoutSeconds: Type.Optional(Type.Integer({ minimum: 0 })),
    },
    closed,
  ),
} as const satisfies Record<string, TSchema>

export type RuleKind = keyof typeof ruleConfigurationSchemas
export const ruleKinds = Object.keys(ruleConfigurationSchemas) as RuleKind[]

/** Configurations as stored (decoded by validate.ts): limits are numbers, never strings. */
export type RuleConfiguration<K extends RuleKind> = StaticDecode<(typeof ruleConfigurationSchemas)[K]>

const configuredRule = <K extends Exclude<RuleKind, 'AlwaysTrigger'>>(kind: K) =>
  Type.Object({ kind: Type.Literal(kind), configuration: ruleConfigurationSchemas[kind] }, closed)

/** One schema per rule kind; only `AlwaysTrigger` may leave its (empty) configuration out. */
export const ruleSchemas = {
  AlwaysTrigger: Type.Object(
    {
      kind: Type.Literal('AlwaysTrigger'),
      configuration: Type.Optional(ruleConfigurationSchemas.AlwaysTrigger),
    },
    closed,
  ),
  TransactionRecipientWhitelist: configuredRule('TransactionRecipientWhitelist'),
  TransactionAmountLimit: configuredRule('TransactionAmountLimit'),
  TransactionAmountVelocity: configuredRule('TransactionAmountVelocity'),
  TransactionCountVelocity: configuredRule('TransactionCountVelocity'),
  ChainalysisTransactionPrescreening: configuredRule('ChainalysisTransactionPrescreening'),
  ChainalysisTransactionScreening: configuredRule('ChainalysisTransactionScreening'),
  GlobalLedgerTransactionPrescreening: configuredRule('GlobalLedgerTransactionPrescreening'),
  TravelRuleTransactionPrescreening: configuredRule('TravelRuleTransactionPrescreening'),
} as const satisfies Record<RuleKind, TSchema>

export type Rule = { [K in RuleKind]: StaticDecode<(typeof ruleSchemas)[K]> }[RuleKind]

// --- actions -----------------------------------------------------------------------------------

export const ApprovalGroupSchema = Type.Object(
  {
    name: Type.Optional(Type.String({ maxLength: limits.groupName })),
    quorum: Type.Integer({ minimum: 1, maximum: limits.quorum }),
    // `{}` means anyone in the org may decide.
    approvers: Type.Object({ userId: Type.Optional(IdList) }, closed),
    initiatorCanApprove: Type.Optional(Type.Boolean()),
    serviceAccountsCanApprove: Type.Optional(Type.Boolean()),
  },
  closed,
)
export type ApprovalGroup = Static<typeof ApprovalGroupSchema>

export const actionSchemas = {
  RequestApproval: Type.Object(
    {
      kind: Type.Literal('RequestApproval'),
      approvalGroups: Type.Array(ApprovalGroupSchema, { minItems: 1, maxItems: limits.approvalGroups }),
      autoRejectTimeout: Type.Optional(
        Type.Union([Type.Integer({ minimum: 1, maximum: limits.autoRejectTimeout }), Type.Null()]),
      ),
    },
    closed,
  ),
  Block: Type.Object({ kind: Type.Literal('Block') }, closed),
  NoAction: Type.Object({ kind: Type.Literal('NoAction') }, closed),
} as const satisfies Record<string, TSchema>

export type ActionKind = keyof typeof actionSchemas
export type Action = Static<(typeof actionSchemas)[ActionKind]>
export type RequestApprovalAction = Static<typeof actionSchemas.RequestApproval>

// --- filters -----------------------------------------------------------------------------------

const WalletFilters = Type.Object(
  {
    walletId: Type.Optional(IdList),
    walletTags: Type.Optional(
      Type.Object(
        {
          hasAny: Type.Optional(
            Type.Array(Type.String({ maxLength: limits.tag }), { maxItems: limits.tags }),
          ),
          hasAll: Type.Optional(
            Type.Array(Type.String({ maxLength: limits.tag }), { maxItems: limits.tags }),
          ),
        },
        closed,
      ),
    ),
  },
  closed,
)
const PermissionFilters = Type.Object({ permissionId: IdList }, closed)
const PolicyFilters = Type.Object({ policyId: IdList }, closed)
const NoFilters = Type.Object({}, closed)

export type WalletFilter = Static<typeof WalletFilters>
export type Filters =
  | WalletFilter
  | Static<typeof PermissionFilters>
  | Static<typeof PolicyFilters>
  | Static<typeof NoFilters>

// --- the combination table (the SDK union) --------------------------------------------------

export const activityKinds = [
  'Wallets:Sign',
  'Wallets:IncomingTransaction',
  'Permissions:Modify',
  'Permissions:Assign',
  'Policies:Modify',
  'Registry:Addresses:Modify',
  'Registry:ContractSchemas:Modify',
] as const
export type ActivityKind = (typeof activityKinds)[number]

export interface ActivityRules {
  readonly rules: readonly RuleKind[]
  readonly actions: readonly ActionKind[]
  readonly filters: TSchema
}

export const allowedCombinations = {
  'Wallets:Sign': {
    rules: [
      'AlwaysTrigger',
      'TransactionRecipientWhitelist',
      'TransactionAmountLimit',
      'TransactionAmountVelocity',
      'TransactionCountVelocity',
      'ChainalysisTransactionPrescreening',
      'GlobalLedgerTransactionPrescreening',
      'TravelRuleTransactionPrescreening',
    ],
    actions: ['RequestApproval', 'Block', 'NoAction'],
    filters: WalletFilters,
  },
  'Wallets:IncomingTransaction': {
    rules: ['ChainalysisTransactionScreening'],
    actions: ['NoAction'],
    filters: WalletFilters,
  },
  'Permissions:Modify': {
    rules: ['AlwaysTrigger'],
    actions: ['RequestApproval', 'Block'],
    filters: PermissionFilters,
  },
  'Permissions:Assign': {
    rules: ['AlwaysTrigger'],
    actions: ['RequestApproval', 'Block'],
    filters: PermissionFilters,
  },
  'Policies:Modify': { rules: ['AlwaysTrigger'], actions: ['RequestApproval'], filters: PolicyFilters },
  'Registry:Addresses:Modify': {
    rules: ['AlwaysTrigger'],
    actions: ['RequestApproval', 'Block'],
    filters: NoFilters,
  },
  'Registry:ContractSchemas:Modify': {
    rules: ['AlwaysTrigger'],
    actions: ['RequestApproval', 'Block'],
    filters: NoFilters,
  },
} as const satisfies Record<ActivityKind, ActivityRules>

type NonEmpty<T> = readonly [T, ...T[]]
/** `map` that keeps the list non-empty: `Type.Union` of a `[S, ...S[]]` has the union of the `S` as its `Static`. */
const mapNonEmpty = <T, U>([first, ...rest]: NonEmpty<T>, f: (item: T) => U): [U, ...U[]] => [
  f(first),
  ...rest.map(f),
]

/** The member of one activity kind: the rules, actions and filters of its row of the table. */
function policyBodyOf<K extends ActivityKind, R extends RuleKind, A extends ActionKind, F extends TSchema>(
  activityKind: K,
  combo: { readonly rules: NonEmpty<R>; readonly actions: NonEmpty<A>; readonly filters: F },
) {
  return Type.Object(
    {
      name: Type.String({ minLength: 1, maxLength: limits.name }),
      activityKind: Type.Literal(activityKind),
      rule: Type.Union(mapNonEmpty(combo.rules, (kind) => ruleSchemas[kind])),
      action: Type.Union(mapNonEmpty(combo.actions, (kind) => actionSchemas[kind])),
      filters: Type.Optional(combo.filters),
    },
    closed,
  )
}

/**
 * The whole union, one member per activity kind (in the order of `activityKinds`): validates bodies
 * (validate.ts) and documents them.
 */
export const PolicyBodySchema = Type.Union([
  policyBodyOf('Wallets:Sign', allowedCombinations['Wallets:Sign']),
  policyBodyOf('Wallets:IncomingTransaction', allowedCombinations['Wallets:IncomingTransaction']),
  policyBodyOf('Permissions:Modify', allowedCombinations['Permissions:Modify']),
  policyBodyOf('Permissions:Assign', allowedCombinations['Permissions:Assign']),
  policyBodyOf('Policies:Modify', allowedCombinations['Policies:Modify']),
  policyBodyOf('Registry:Addresses:Modify', allowedCombinations['Registry:Addresses:Modify']),
  policyBodyOf('Registry:ContractSchemas:Modify', allowedCombinations['Registry:ContractSchemas:Modify']),
])

/**
 * A validated create/update body (update is a full replace with the same body): one member per
 * activity kind, with the rules, actions and filters of its kind, limits decoded to numbers.
 */
export type PolicyBody = StaticDecode<typeof PolicyBodySchema>
