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
