/**
 * Time as walletd sees it. Injected everywhere so tests can move time instead of sleeping, and so
 * the emulator's clock control moves it for every rule at once. This module is the only place that
 * reads the wall clock (durations measured for metrics aside).
 */
export interface Clock {
  now(): Date
}

/** A clock that can be moved: the emulator's time control (development profile) and tests. */
export interface MovableClock extends Clock {
  advance(ms: number): void
  set(to: Date | number): void
}

export function isMovable(clock: Clock): clock is MovableClock {
  const c = clock as Partial<MovableClock>
  return typeof c.advance === 'function' && typeof c.set === 'function'
}

export const systemClock: Clock = { now: () => new Date() }

/** A clock tests (and the emulator's time control) can move by hand. */
export class ManualClock implements MovableClock {
  private ms: number
  constructor(start: Date | number = Date.now()) {
    this.ms = typeof start === 'number' ? start : start.getTime()
  }
  now(): Date {
    return new Date(this.ms)
  }
  advance(ms: number): void {
    this.ms += ms
  }
  set(to: Date | number): void {
    this.ms = typeof to === 'number' ? to : to.getTime()
  }
}

/**
 * The development profile's clock: the wall clock plus an offset the emulator moves. Time keeps
 * running (so polling, leases and the dev chain's blocks behave as usual); `advance` and `set`
 * change where it runs from.
 */
export class OffsetClock implements MovableClock {
  private offsetMs = 0
  now(): Date {
    return new Date(Date.now() + this.offsetMs)
  }
  advance(ms: number): void {
    this.offsetMs += ms
  }
  set(to: Date | number): void {
    this.offsetMs = (typeof to === 'number' ? to : to.getTime()) - Date.now()
  }
}
