/**
 * Plans: what each organization may use. A feature the org's plan lacks answers 402 with the
 * feature and the plan named in `details`. Plans are changed by the operator (`walletd org plan`).
 */
export const booleanFeatures = [
  'walletExport',
  'walletImport',
  'chainalysis',
  'globalLedger',
  'travelRule',
] as const

export type BooleanFeature = (typeof booleanFeatures)[number]

export interface PlanFeatures {
  readonly walletExport: boolean
  readonly walletImport: boolean
  readonly chainalysis: boolean
  readonly globalLedger: boolean
  readonly travelRule: boolean
  /** How many webhooks the org may have. */
  readonly webhooks: number
}

export interface Plan {
  readonly name: string
  readonly features: PlanFeatures
  /** Requests per minute for the whole org; 0 means unlimited. */
  readonly rateLimitPerMinute: number
}

/**
 * The plan templates. `Developer` is every new org's plan: what Dfns enables by default (export,
 * import and the screening vendors are off, 5 webhooks). `Enterprise` enables everything.
 * The rate limit of a template is the deployment's default (`WALLETD_RATE_LIMIT`, 0 = off).
 */
export function planTemplate(name: PlanName, defaultRateLimit: number): Plan {
  switch (name) {
    case 'Developer':
      return {
        name,
        rateLimitPerMinute: defaultRateLimit,
        features: {
          walletExport: false,
          walletImport: false,
          chainalysis: false,
          globalLedger: false,
          travelRule: false,
          webhooks: 5,
        },
      }
    case 'Enterprise':
      return {
        name,
        rateLimitPerMinute: defaultRateLimit,
        features: {
          walletExport: true,
          walletImport: true,
          chainalysis: true,
          globalLedger: true,
          travelRule: true,
          webhooks: 50,
        },
      }
  }
}

export const planNames = ['Developer', 'Enterprise'] as const
export type PlanName = (typeof planNames)[number]

export function isPlanName(value: string): value is PlanName {
  return (planNames as readonly string[]).includes(value)
}

export function isBooleanFeature(value: string): value is BooleanFeature {
  return (booleanFeatures as readonly string[]).includes(value)
}
