/**
 * The two sides a user reconciler compares: the desired state of a SCIM user (tombstones included: a
 * deleted user still has to be deprovisioned) and the applied state the bridge recorded for it in
 * GitLabUserLink (null: the reconciler never recorded anything for this user). Plain data; the reader
 * is sql/find-user-subject.ts, the writers are sql/user-link-*.ts.
 */
export type LinkMethod = "identity" | "email" | "username" | "created";
export type SyncState = GitLabSyncState;
/** A GitLab user state the bridge itself set: reactivation undoes only this. */
export type BridgeUserState = "blocked" | "deactivated" | "banned";

export interface DesiredUser {
  scimUserId: string;
  connectionId: string;
  userName: string;
  externalId: string | null;
  displayName: string | null;
  givenName: string | null;
  familyName: string | null;
  /** The primary email, else the first one; null when the user has none. */
  email: string | null;
  active: boolean;
  /** Set when the SCIM user was deleted (a tombstone). */
  deletedAt: Date | null;
}

export interface AppliedUser {
  gitlabUserId: number | null;
  gitlabUsername: string | null;
  linkedBy: LinkMethod | null;
  syncState: SyncState;
  lastError: string | null;
  lastSyncedAt: Date | null;
  appliedName: string | null;
  appliedEmail: string | null;
  appliedProvider: string | null;
  appliedExternUid: string | null;
  stateByBridge: BridgeUserState | null;
  tokensRevokedAt: Date | null;
  gitlabDeletedAt: Date | null;
  /**
   * The active-ness (active and not deleted) the user's GitLab group memberships were last marked for:
   * a settle whose desired active-ness differs marks the user's GitLab groups (settle-user.ts).
   */
  appliedActive: boolean | null;
}

/**
 * What SCIM shows of a user's GitLab side (issue 10 item 7), as the store answers it: the read-only
 * extension `urn:ietf:params:scim:schemas:extension:gitlab:2.0:User`. The values are the applied state
 * the reconciler keeps in GitLabUserLink, with one rule from the queue: while the user's ReconcileItem
 * is pending or claimed, what the IdP last sent has not reached GitLab yet, so the user is "pending"
 * whatever the link last said; a user the reconciler has not looked at yet (no link) is pending too.
 * The SQL that reads it is gitlab-state-reads.ts.
 */
export const GITLAB_USER_SCHEMA = "urn:ietf:params:scim:schemas:extension:gitlab:2.0:User";

export const GITLAB_SYNC_STATES = ["pending", "synced", "failed", "conflict", "held"] as const;
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
