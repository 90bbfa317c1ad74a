import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { type Clock, isMovable } from '../../clock.ts'
import { invalidField } from '../../errors.ts'
import type { EmulatorRoutes } from './mount.ts'

const ClockView = Type.Object({ now: Type.String({ format: 'date-time' }) })

/** A hundred years: far enough for any expiry, near enough that dates stay printable. */
const MAX_ADVANCE_SECONDS = 100 * 366 * 24 * 3600

const MoveBody = Type.Object(
  {
    advanceSeconds: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: MAX_ADVANCE_SECONDS })),
    setTo: Type.Optional(Type.String({ format: 'date-time', maxLength: 64 })),
  },
  { additionalProperties: false },
)

/** What else moves with the clock: the dev chain's block time, and the sweeps that read time. */
export type AfterClockMove = (movedByMs: number) => Promise<void>

/**
 * `GET /emulator/clock`: the time walletd's rules read. `POST /emulator/clock` moves it forward,
 * by `advanceSeconds` or to `setTo`, never backwards (stored deadlines, ids and the dev chain's
 * block timestamps only grow). Served only with a movable clock (the development profile's).
 */
export function registerClockRoutes(
  clock: Clock,
  afterMove: AfterClockMove = async () => {},
): EmulatorRoutes {
  return (scope) => {
    const app = scope.withTypeProvider<TypeBoxTypeProvider>()
    const view = () => ({ now: clock.now().toISOString() })
    app.get('/clock', { schema: { tags: ['emulator'], response: { 200: ClockView } } }, async () => view())
    if (!isMovable(clock)) return
    app.post(
      '/clock',
      { schema: { tags: ['emulator'], body: MoveBody, response: { 200: ClockView } } },
      async (request) => {
        const { advanceSeconds, setTo } = request.body
        if ((advanceSeconds === undefined) === (setTo === undefined)) {
          throw invalidField('advanceSeconds', 'Give exactly one of advanceSeconds and setTo.')
        }
        const before = clock.now().getTime()
        let movedBy: number
        if (advanceSeconds !== undefined) {
          movedBy = Math.round(advanceSeconds * 1000)
          clock.advance(movedBy)
        } else {
          const target = Date.parse(setTo as string)
          if (!Number.isFinite(target)) throw invalidField('setTo', 'setTo is not a date-time.')
          if (target < before) {
            throw invalidField(
              'setTo',
              `setTo ${setTo} is before walletd's current time ${new Date(before).toISOString()}: the clock only moves forward.`,
            )
          }
          if (target - before > MAX_ADVANCE_SECONDS * 1000) {
            throw invalidField('setTo', 'setTo is more than a hundred years ahead.')
          }
          movedBy = target - before
          clock.set(target)
        }
        await afterMove(movedBy)
        return view()
      },
    )
  }
}
