/**
 * Time as the emulator sees it. Tests pass their own clock to move time (dormancy, throttle windows,
 * OAuth expiry) without sleeping.
 */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** GitLab stores last_activity_on as a date. */
export const isoDate = (d: Date) => d.toISOString().slice(0, 10);

export const DAY_MS = 86_400_000;
