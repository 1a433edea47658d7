/**
 * Client-side pacing from GitLab's RateLimit-* headers (contract §6): while RateLimit-Remaining is above
 * `lowWater` of RateLimit-Limit calls start freely; below it, the remaining calls are spread evenly
 * until RateLimit-Reset; at zero, calls wait for the reset. Slots are handed out one by one, each
 * reservation counting as one call spent, so concurrent callers do not all take the same gap.
 * Knowledge expires at the reset time; without headers (throttle off, the self-managed default) there
 * is no pacing at all.
 *
 * States: no knowledge → free → pacing (below low water) → exhausted (remaining 0) → free after reset.
 */
import type { AnswerHeaders } from "./transport";

export class RateLimitPacer {
  private remaining: number | null = null;
  private limit: number | null = null;
  private resetAtMs = 0;
  private nextSlotMs = 0;

  constructor(private readonly lowWater: number) {}

  /** Reads the headers of an answer. RateLimit-Limit is per minute and Remaining per window (§6). */
  observe(headers: AnswerHeaders): void {
    const remaining = headers.get("ratelimit-remaining");
    const reset = headers.get("ratelimit-reset");
    if (remaining === null || reset === null || !/^\d+$/.test(remaining) || !/^\d+$/.test(reset)) return;
    this.remaining = Number(remaining);
    const limit = headers.get("ratelimit-limit");
    this.limit = limit !== null && /^\d+$/.test(limit) ? Number(limit) : this.limit;
    this.resetAtMs = Number(reset) * 1000;
  }

  /** How long the next call should wait before it starts; reserves its slot. */
  reserve(nowMs: number): number {
    if (this.remaining === null) return 0;
    if (nowMs >= this.resetAtMs) {
      this.remaining = null; // a new window: what we knew is stale
      this.nextSlotMs = 0;
      return 0;
    }
    if (this.remaining <= 0) return this.resetAtMs - nowMs;
    const limit = this.limit ?? this.remaining;
    if (this.remaining >= limit * this.lowWater) {
      this.remaining--;
      return 0;
    }
    const interval = (this.resetAtMs - nowMs) / this.remaining;
    const slot = Math.max(nowMs, this.nextSlotMs);
    this.nextSlotMs = slot + interval;
    this.remaining--;
    return Math.ceil(slot - nowMs);
  }
}
