/**
 * What SCIM shows of a user's GitLab side (issue 10 item 7), as the store answers it: the read-only
 * extension `urn:ietf:params:scim:schemas:extension:gitlab:2.0:User`. The values are the applied state
 * the reconciler keeps in GitLabUserLink, with one rule from the queue: while the user's ReconcileItem
 * is pending or claimed, what the IdP last sent has not reached GitLab yet, so the user is "pending"
 * whatever the link last said; a user the reconciler has not looked at yet (no link) is pending too.
 * The SQL that reads it is gitlab-state-reads.ts.
 */
export const GITLAB_USER_SCHEMA = "urn:ietf:params:scim:schemas:extension:gitlab:2.0:User";

export const GITLAB_SYNC_STATES = ["pending", "synced", "failed", "conflict"] as const;
export type GitLabSyncState = (typeof GITLAB_SYNC_STATES)[number];

export interface GitLabUserState {
  syncState: GitLabSyncState;
  /** Null until the user is linked to a GitLab user. */
  gitlabUserId: number | null;
  gitlabUsername: string | null;
  lastError: string | null;
  lastSyncedAt: Date | null;
}

/** The JSON object a statement selects (gitlab-state-reads.ts): timestamps as text. */
export interface GitLabUserStateJson {
  syncState: GitLabSyncState;
  gitlabUserId: number | null;
  gitlabUsername: string | null;
  lastError: string | null;
  lastSyncedAt: string | null;
}

export function toGitLabUserState(json: GitLabUserStateJson): GitLabUserState {
  return {
    syncState: json.syncState,
    gitlabUserId: json.gitlabUserId,
    gitlabUsername: json.gitlabUsername,
    lastError: json.lastError,
    lastSyncedAt: json.lastSyncedAt === null ? null : new Date(json.lastSyncedAt),
  };
}
