/**
 * Time as the emulator sees it. Tests pass their own clock to move time (dormancy, throttle windows,
 * OAuth expiry) without sleeping.
 */
export interface Clock {
  now(): Date;
}

const systemNow = () => new Date();
export const systemClock: Clock = { now: systemNow };

/** The current time in ms; the system clock needs no Date object for it (this runs on every request). */
export function nowMs(clock: Clock): number {
  return clock.now === systemNow ? Date.now() : clock.now().getTime();
}

export const DAY_MS = 86_400_000;

let memoDay = NaN;
let memoText = "";

/** GitLab stores last_activity_on as a date. Memoised per day: it runs on every authenticated request. */
export function isoDate(d: Date): string {
  const day = Math.floor(d.getTime() / DAY_MS);
  if (day !== memoDay) {
    memoDay = day;
    memoText = d.toISOString().slice(0, 10);
  }
  return memoText;
}

/**
 * The emulator's own clock: the base clock (the system's, or a test's) plus an offset that only grows.
 * PUT /-/emulator/clock moves it forward so that a test running the bridge in another process can make
 * users dormant (contract §1.4, the 90-day deactivation rule) or end a throttle window without sleeping.
 * Unmoved, `clock.now` stays the system clock's own function, which keeps nowMs() on its fast path.
 */
export interface AdjustableClock {
  readonly clock: Clock;
  readonly offsetMs: number;
  advance(ms: number): void;
}

export function adjustableClock(base: Clock): AdjustableClock {
  const clock: Clock = { now: base === systemClock ? systemNow : () => base.now() };
  let offsetMs = 0;
  return {
    clock,
    get offsetMs() {
      return offsetMs;
    },
    advance(ms: number) {
      if (!Number.isInteger(ms) || ms < 0) throw new Error(`clock.advanceMs must be an integer ≥ 0, got ${JSON.stringify(ms)}`);
      offsetMs += ms;
      const offset = offsetMs;
      clock.now = () => new Date(base.now().getTime() + offset);
    },
  };
}
