/**
 * The two sides a user reconciler compares: the desired state of a SCIM user (tombstones included: a
 * deleted user still has to be deprovisioned) and the applied state the bridge recorded for it in
 * GitLabUserLink (null: the reconciler never recorded anything for this user). Plain data; the reader
 * is sql/find-user-subject.ts, the writers are sql/user-link-*.ts.
 */
export type LinkMethod = "identity" | "email" | "username" | "created";
export type SyncState = "pending" | "synced" | "failed" | "conflict";
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
}
