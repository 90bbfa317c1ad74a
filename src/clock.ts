/** Time as walletd sees it. Injected everywhere so tests can move time instead of sleeping. */
export interface Clock {
  now(): Date
}

export const systemClock: Clock = { now: () => new Date() }

/** A clock tests (and the emulator's time control) can move by hand. */
export class ManualClock implements Clock {
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
