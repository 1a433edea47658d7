/**
 * GitLab's two rate-limiting systems (contract §6), kept apart as GitLab keeps them:
 * - the Rack::Attack authenticated-API throttle: fixed windows aligned to the epoch, keyed by the token's
 *   user (tokens of one user share a window, as in GitLab), reported in RateLimit-* headers on every
 *   response, answering 429 text/plain "Retry later" with Retry-After when exceeded;
 * - per-endpoint application limits (here members-delete), which answer JSON and are not reported in
 *   headers (§9.14).
 */
import type { ThrottleSettings } from "./state/settings";

export interface ThrottleVerdict {
  allowed: boolean;
  headers: Record<string, string>;
}

export class Throttle {
  private readonly windows = new Map<number, { start: number; count: number }>();

  check(userId: number, settings: ThrottleSettings, nowMs: number): ThrottleVerdict {
    const periodMs = settings.periodSeconds * 1000;
    const start = nowMs - (nowMs % periodMs);
    let window = this.windows.get(userId);
    if (!window || window.start !== start) this.windows.set(userId, (window = { start, count: 0 }));
    window.count++;
    const nowSeconds = Math.floor(nowMs / 1000);
    const resetAt = Math.floor((start + periodMs) / 1000);
    const headers: Record<string, string> = {
      "ratelimit-name": "throttle_authenticated_api",
      // contract §6: the limit is normalised to a per-minute quota; remaining uses the raw limit.
      "ratelimit-limit": String(Math.ceil((settings.requests * 60) / settings.periodSeconds)),
      "ratelimit-observed": String(window.count),
      "ratelimit-remaining": String(Math.max(0, settings.requests - window.count)),
      "ratelimit-reset": String(resetAt),
    };
    const allowed = window.count <= settings.requests;
    if (!allowed) {
      headers["ratelimit-resettime"] = new Date(resetAt * 1000).toUTCString();
      headers["retry-after"] = String(Math.max(1, resetAt - nowSeconds));
    }
    return { allowed, headers };
  }

  reset(): void {
    this.windows.clear();
  }
}

/** contract §6: DELETE /groups/:id/members/:user_id, per group per user per minute. */
export class MembersDeleteLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();

  allow(groupId: number, userId: number, perMinute: number, nowMs: number): boolean {
    if (perMinute === 0) return true;
    const key = `${groupId}:${userId}`;
    const start = nowMs - (nowMs % 60_000);
    let window = this.windows.get(key);
    if (!window || window.start !== start) this.windows.set(key, (window = { start, count: 0 }));
    window.count++;
    return window.count <= perMinute;
  }

  reset(): void {
    this.windows.clear();
  }
}
