/**
 * Client-side pacing for GitLab's per-endpoint application limits (contract §6), which GitLab does not
 * report in RateLimit-* headers and answers with a 429 and a minute's Retry-After: the bridge must keep
 * under them itself. Today one: members_delete, DELETE /groups/:id/members/:user_id, 60 per minute per
 * group per user by default (GITLAB_MEMBERS_DELETE_PER_MINUTE, 0 = off).
 *
 * Each key (e.g. "members_delete:42", one group) keeps the start times of its last `perMinute` calls; a
 * call starts only 60 s after the call `perMinute` places before it, so no 60-second span (GitLab's
 * fixed minute windows included) holds more than `perMinute` calls. Slots are reserved in order, so
 * concurrent callers of one key queue rather than all take the same gap.
 */

export const ENDPOINT_LIMITS = ["members_delete"] as const;
export type EndpointLimitName = (typeof ENDPOINT_LIMITS)[number];

/** A minute, and a second's margin for the time between our start and GitLab's count of the call. */
const WINDOW_MS = 61_000;

export class EndpointWindows {
  private readonly starts = new Map<string, number[]>();

  constructor(private readonly perMinute: Partial<Record<EndpointLimitName, number>>) {}

  /** How long a call of `name` for `key` must wait before it starts; reserves its slot. 0 when off. */
  reserve(name: EndpointLimitName, key: string, nowMs: number): number {
    const limit = this.perMinute[name] ?? 0;
    if (limit <= 0) return 0;
    const id = `${name}:${key}`;
    const starts = this.starts.get(id) ?? [];
    // Only the last `limit` starts matter; older ones cannot hold a later call back.
    while (starts.length > limit) starts.shift();
    const earliest = starts.length < limit ? nowMs : Math.max(nowMs, starts[0] + WINDOW_MS);
    const at = Math.max(earliest, starts.length ? starts[starts.length - 1] : nowMs);
    starts.push(at);
    if (starts.length > limit) starts.shift();
    this.starts.set(id, starts);
    return at - nowMs;
  }
}
