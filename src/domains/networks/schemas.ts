import { type Static, Type } from 'typebox'

export const FeesQuery = Type.Object({ network: Type.String({ minLength: 1, maxLength: 64 }) })

const Level = Type.Object({ maxPriorityFeePerGas: Type.String(), maxFeePerGas: Type.String() })
export const FeesView = Type.Object({
  kind: Type.Literal('Eip1559'),
  network: Type.String(),
  blockNumber: Type.Integer(),
  slow: Level,
  standard: Level,
  fast: Level,
  baseFeePerGas: Type.String(),
})
export type FeesView = Static<typeof FeesView>
