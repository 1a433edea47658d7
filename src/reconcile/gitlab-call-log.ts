/**
 * Which subject a GitLab call is made for. The GitLab client reports every exchange to its `onCall`
 * hook inside the caller's async context (src/gitlab/client.ts); a reconciler runs each subject's pass
 * inside `collect`, so the exchanges land in that pass's buffer, and the pass writes them as
 * "gitlab.call" audit events with its next applied-state write (correlated by the mark's requestId).
 * Calls outside any pass (the breaker's probes, start-up checks) are not subject calls: not collected.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { GitLabCallRecord } from "../gitlab/client";

/** The details of a "gitlab.call" audit event. */
export type GitLabCallDetails = Omit<GitLabCallRecord, "probe">;

export interface GitLabCallLog {
  /** The GitLab client's onCall hook. */
  onCall(record: GitLabCallRecord): void;
  /** Runs `work` with its GitLab exchanges appended to `buffer`. */
  collect<T>(buffer: GitLabCallDetails[], work: () => Promise<T>): Promise<T>;
}

export function createGitLabCallLog(): GitLabCallLog {
  const current = new AsyncLocalStorage<GitLabCallDetails[]>();
  return {
    onCall(record) {
      if (record.probe) return;
      const { probe: _probe, ...details } = record;
      current.getStore()?.push(details);
    },
    collect: (buffer, work) => current.run(buffer, work),
  };
}
