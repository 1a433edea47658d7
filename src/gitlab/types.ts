/**
 * The parts of GitLab's entities the bridge reads (contract §1.2, §3, §4.5, §7.2). GitLab sends more
 * fields; these are the ones our decisions depend on. Field names are GitLab's (snake_case).
 */

/** contract §1.4: the states of GitLab's user state machine. */
export type GitLabUserState = "active" | "blocked" | "deactivated" | "banned" | "ldap_blocked" | "blocked_pending_approval";

export interface GitLabIdentity {
  provider: string;
  extern_uid: string;
}

/** UserWithAdmin (admin callers): email, identities and activity are present. */
export interface GitLabUser {
  id: number;
  username: string;
  name: string;
  state: GitLabUserState;
  email?: string;
  identities?: GitLabIdentity[];
  is_admin?: boolean;
  last_activity_on?: string | null;
  current_sign_in_at?: string | null;
}

export interface GitLabGroup {
  id: number;
  name: string;
  path: string;
  full_path: string;
  parent_id: number | null;
  description?: string | null;
}

/** contract §4.5: `id` is the user's id, `state` the user's state. */
export interface GitLabMember {
  id: number;
  username: string;
  state: GitLabUserState;
  access_level: number;
  /** YYYY-MM-DD, or null when the membership does not expire. */
  expires_at?: string | null;
}

export interface GitLabPersonalAccessToken {
  id: number;
  name: string;
  user_id: number;
  revoked: boolean;
  active: boolean;
}

export interface GitLabSshKey {
  id: number;
  title: string;
}

/** What a state action did: GitLab changed something, or it already was so (an idempotent repeat). */
export type StateChange = "changed" | "unchanged";
