/**
 * What the bridge knows about its GitLab, for /readyz, the logs and (later) the workers: the outcome of
 * the latest start-up check and GitLab's live health from the client's breaker.
 *
 * States of the check:
 *   checking      no check has finished yet (start-up, or GitLab was unreachable and is being probed)
 *   ok            GET /user showed an administrator; the version is known
 *   unreachable   no answer (network, timeout, 5xx, throttling): SCIM is served, work stays queued
 *   unauthorized  GitLab refused the token (401, or 403 for a missing scope)
 *   not_admin     the token works but its user is not an administrator
 *   failed        GitLab answered the check with something else (e.g. 404: GITLAB_URL is not GitLab's base URL)
 * A check that was ok reads as "unreachable" while the breaker is open: GitLab went away since.
 */
import type { BreakerState } from "./breaker";

export const GITLAB_CHECK_STATES = ["checking", "ok", "unreachable", "unauthorized", "not_admin", "failed"] as const;
export type GitLabCheckState = (typeof GITLAB_CHECK_STATES)[number];

export interface GitLabCheckResult {
  state: GitLabCheckState;
  /** Why, for every state but ok and checking: one sentence, never the token. */
  message: string | null;
  version: string | null;
  revision: string | null;
  /** The user GITLAB_TOKEN belongs to, once GitLab told. */
  tokenOwner: string | null;
}

export interface GitLabStatusView {
  status: GitLabCheckState;
  /** GITLAB_URL (or the bundled emulator's); the token is never part of it. */
  url: string;
  emulated: boolean;
  version: string | null;
  revision: string | null;
  tokenOwner: string | null;
  message: string | null;
  /** When the latest check finished (ISO), null while none has. */
  checkedAt: string | null;
  breaker: BreakerState;
}

export class GitLabStatus {
  private result: GitLabCheckResult = { state: "checking", message: null, version: null, revision: null, tokenOwner: null };
  private checkedAt: Date | null = null;
  private readonly listeners = new Set<(view: GitLabStatusView) => void>();

  constructor(
    readonly url: string,
    readonly emulated: boolean,
    private readonly breakerState: () => BreakerState,
  ) {}

  /** True once a check found an administrator's token and GitLab is not known to be down. */
  get usable(): boolean {
    return this.view().status === "ok";
  }

  record(result: GitLabCheckResult, at: Date): void {
    this.result = { ...result };
    this.checkedAt = at;
    const view = this.view();
    for (const listener of this.listeners) listener(view);
  }

  /** Called after every recorded check (the workers can wait for "ok" here). Returns the unsubscribe. */
  onChange(listener: (view: GitLabStatusView) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  view(): GitLabStatusView {
    const breaker = this.breakerState();
    const status = this.result.state === "ok" && breaker !== "closed" ? "unreachable" : this.result.state;
    return {
      status,
      url: this.url,
      emulated: this.emulated,
      version: this.result.version,
      revision: this.result.revision,
      tokenOwner: this.result.tokenOwner,
      message: status === "unreachable" && this.result.state === "ok" ? "GitLab stopped answering; calls wait until it answers again" : this.result.message,
      checkedAt: this.checkedAt?.toISOString() ?? null,
      breaker,
    };
  }
}
