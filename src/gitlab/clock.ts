/**
 * Time as the GitLab client sees it: the current time and a way to wait. Every wait of the client
 * (Retry-After, backoff, pacing, breaker cooldowns) goes through `sleep`, so a test can pass a clock
 * that moves the emulator's time instead of sleeping, and assert the order of requests, never durations.
 */
import { setTimeout as delay } from "node:timers/promises";

export interface GitLabClock {
  now(): number;
  /** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemGitLabClock: GitLabClock = {
  now: () => Date.now(),
  sleep: (ms, signal) => (ms <= 0 ? Promise.resolve() : delay(ms, undefined, { signal })),
};
