/**
 * GitLab's health as one breaker for the whole client (design: "GitLab as a whole has one health
 * state"). While GitLab is down or throttling, callers wait here instead of spending each subject's
 * retry budget; one probe at a time asks GitLab whether it is back, and the moment a probe gets an
 * answer every waiter resumes at once.
 *
 * States:
 *   closed     calls pass; `failureThreshold` GitLab-wide failures in a row (network, timeout,
 *              502/503/504) open it, and so does one Rack::Attack 429 (GitLab says how long to wait)
 *   open       calls wait; after the cooldown (Retry-After, else a backoff doubling up to the cap) → half_open
 *   half_open  one probe runs: an answer closes the breaker, a GitLab-wide failure reopens it
 */
import type { GitLabClock } from "./clock";

export type BreakerState = "closed" | "open" | "half_open";

/** What a probe learned: GitLab answered, or not (and maybe how long to wait). */
export type ProbeResult = { answered: true } | { answered: false; retryAfterMs: number | null };

export interface BreakerOptions {
  clock: GitLabClock;
  probe: () => Promise<ProbeResult>;
  failureThreshold: number;
  minCooldownMs: number;
  maxCooldownMs: number;
  onStateChange?: (state: BreakerState, detail: { cooldownMs?: number }) => void;
}

export class GitLabBreaker {
  private current: BreakerState = "closed";
  private failures = 0;
  private cooldownMs: number;
  private waiters: { resolve: () => void; reject: (e: unknown) => void; signal?: AbortSignal; onAbort?: () => void }[] = [];
  private readonly stop = new AbortController();

  constructor(private readonly options: BreakerOptions) {
    this.cooldownMs = options.minCooldownMs;
  }

  get state(): BreakerState {
    return this.current;
  }

  /** Resolves at once while closed; otherwise when GitLab answers again (or rejects when `signal` aborts). */
  pass(signal?: AbortSignal): Promise<void> {
    if (this.current === "closed") return Promise.resolve();
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.stop.signal.aborted) return Promise.reject(new Error("GitLab client closed"));
    return new Promise((resolve, reject) => {
      const waiter: (typeof this.waiters)[number] = { resolve, reject, signal };
      if (signal) {
        waiter.onAbort = () => {
          this.waiters = this.waiters.filter((w) => w !== waiter);
          reject(signal.reason);
        };
        signal.addEventListener("abort", waiter.onAbort, { once: true });
      }
      this.waiters.push(waiter);
    });
  }

  /** GitLab answered (whatever the status): the failure streak ends. */
  recordAnswer(): void {
    this.failures = 0;
  }

  /** A GitLab-wide failure; `retryAfterMs` when GitLab itself said how long to wait (a global 429). */
  recordUnavailable(retryAfterMs: number | null, throttled: boolean): void {
    if (this.current !== "closed") return;
    this.failures++;
    if (throttled || this.failures >= this.options.failureThreshold) this.open(retryAfterMs);
  }

  /** Stops probing and fails the waiters; the client is being closed. */
  dispose(): void {
    this.stop.abort();
    for (const w of this.waiters.splice(0)) {
      if (w.onAbort) w.signal!.removeEventListener("abort", w.onAbort);
      w.reject(new Error("GitLab client closed"));
    }
  }

  private open(retryAfterMs: number | null): void {
    this.current = "open";
    const cooldownMs = retryAfterMs ?? this.cooldownMs;
    this.options.onStateChange?.("open", { cooldownMs });
    void this.probeAfter(cooldownMs);
  }

  private async probeAfter(cooldownMs: number): Promise<void> {
    let wait = cooldownMs;
    for (;;) {
      try {
        await this.options.clock.sleep(wait, this.stop.signal);
      } catch {
        return; // disposed
      }
      this.current = "half_open";
      this.options.onStateChange?.("half_open", {});
      let result: ProbeResult;
      try {
        result = await this.options.probe();
      } catch {
        result = { answered: false, retryAfterMs: null };
      }
      if (this.stop.signal.aborted) return;
      if (result.answered) return this.close();
      this.current = "open";
      this.cooldownMs = Math.min(this.cooldownMs * 2, this.options.maxCooldownMs);
      wait = result.retryAfterMs ?? this.cooldownMs;
      this.options.onStateChange?.("open", { cooldownMs: wait });
    }
  }

  private close(): void {
    this.current = "closed";
    this.failures = 0;
    this.cooldownMs = this.options.minCooldownMs;
    this.options.onStateChange?.("closed", {});
    for (const w of this.waiters.splice(0)) {
      if (w.onAbort) w.signal!.removeEventListener("abort", w.onAbort);
      w.resolve();
    }
  }
}
