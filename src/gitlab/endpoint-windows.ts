/**
 * Client-side pacing for GitLab's per-endpoint application limits (contract §6), which GitLab does not
 * report in RateLimit-* headers and answers with a 429 and a minute's Retry-After: the bridge must keep
 * under them itself. Today one: members_delete, DELETE /groups/:id/members/:user_id, 60 per minute per
 * group per user by default (GITLAB_MEMBERS_DELETE_PER_MINUTE, 0 = off).
 *
 * Each key (e.g. "members_delete:42", one group) keeps the send times of its last `perMinute` calls. A
 * call waits (waitMs) until the call `perMinute` places before it is a window old, and records its send
 * time (take) only once it holds a concurrency slot and is about to be sent: a call that queued for a
 * slot meanwhile looks again, so no window (GitLab's fixed minutes included) holds more than `perMinute`
 * sends, however long the queue for slots was.
 */

export const ENDPOINT_LIMITS = ["members_delete"] as const;
export type EndpointLimitName = (typeof ENDPOINT_LIMITS)[number];

/** A minute, and a second's margin for the time between our send and GitLab's count of the call. */
const WINDOW_MS = 61_000;

export class EndpointWindows {
  private readonly sends = new Map<string, number[]>();

  constructor(private readonly perMinute: Partial<Record<EndpointLimitName, number>>) {}

  /** How long a call of `name` for `key` must wait before it may be sent; 0 when it may (or pacing is off). */
  waitMs(name: EndpointLimitName, key: string, nowMs: number): number {
    const limit = this.perMinute[name] ?? 0;
    if (limit <= 0) return 0;
    const sends = this.sends.get(`${name}:${key}`) ?? [];
    return sends.length < limit ? 0 : Math.max(0, sends[sends.length - limit] + WINDOW_MS - nowMs);
  }

  /** Records a send (call it right before sending, after waitMs said 0). */
  take(name: EndpointLimitName, key: string, nowMs: number): void {
    const limit = this.perMinute[name] ?? 0;
    if (limit <= 0) return;
    const id = `${name}:${key}`;
    const sends = this.sends.get(id) ?? [];
    sends.push(nowMs);
    // Only the last `limit` sends can hold a later call back.
    if (sends.length > limit) sends.splice(0, sends.length - limit);
    this.sends.set(id, sends);
  }
}
