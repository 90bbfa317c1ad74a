import { Type } from 'typebox'
import type { Clock } from '../../clock.ts'
import type { EmulatorRoutes } from './mount.ts'

const ClockView = Type.Object({ now: Type.String({ format: 'date-time' }) })

/** `GET /emulator/clock`: the time walletd's rules read. */
export function registerClockRoutes(clock: Clock): EmulatorRoutes {
  return (scope) => {
    scope.get('/clock', { schema: { tags: ['emulator'], response: { 200: ClockView } } }, async () => ({
      now: clock.now().toISOString(),
    }))
  }
}
