/**
 * Drift of a linked user (issue 11 item 6): what GitLab actually holds (observed, read by the drift
 * sweep) against what the IdP wants and what the bridge set. Pure: the sweep reads, this decides, the
 * user's own pass repairs (its next pass is a full one: it reads the account and acts, per policy).
 *
 * - leaver_active: the SCIM user is a leaver (inactive, or deleted) under a policy that takes the
 *   account away (block, deactivate, ban), and GitLab says the account is active: someone unblocked
 *   it, or GitLab reactivated a deactivated user at sign-in. The bridge blocks it again.
 * - gitlab_user_missing: the linked GitLab account no longer exists (deleted by hand).
 * A subject whose reconcile item is pending or claimed is not compared: the bridge has not finished
 * with it, so GitLab is expected to differ (and a held item waits for an admin, not for the sweep).
 */
import type { DeprovisionAction } from "../connections/settings";
import type { GitLabUserState } from "../gitlab/types";

export type UserDriftKind = "leaver_active" | "gitlab_user_missing";

/** A linked user as the sweep loads it (sql/find-sweep-links.ts). */
export interface SweptLink {
  scimUserId: string;
  connectionId: string;
  userName: string;
  gitlabUserId: number;
  gitlabUsername: string | null;
  /** active and not deleted in SCIM. */
  desiredActive: boolean;
  /** The GitLab user state the bridge itself set, if any. */
  stateByBridge: string | null;
  /** The subject's reconcile item is pending or claimed (work in flight, or held). */
  inFlight: boolean;
}

export interface UserDrift {
  kind: UserDriftKind;
  scimUserId: string;
  connectionId: string;
  userName: string;
  gitlabUserId: number;
  gitlabUsername: string | null;
  /** GitLab's state of the account; null when it is gone. */
  observedState: GitLabUserState | null;
  /** The repair is an offboarding (claimed before other work). */
  offboarding: boolean;
}

/** `observed` is GitLab's state of the account, or null when GitLab has no such user. */
export function userDriftOf(link: SweptLink, observed: GitLabUserState | null, deprovision: DeprovisionAction): UserDrift | null {
  if (link.inFlight) return null;
  const base = { scimUserId: link.scimUserId, connectionId: link.connectionId, userName: link.userName, gitlabUserId: link.gitlabUserId, gitlabUsername: link.gitlabUsername, observedState: observed };
  if (observed === null) return { ...base, kind: "gitlab_user_missing", offboarding: !link.desiredActive };
  if (!link.desiredActive && deprovision !== "none" && observed === "active") return { ...base, kind: "leaver_active", offboarding: true };
  return null;
}
