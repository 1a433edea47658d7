/**
 * The user planner: desired state (the SCIM user, tombstones included), applied state (its
 * GitLabUserLink), the connection's settings and what GitLab was observed to hold in this pass → a
 * Plan, as data. Pure: no I/O, no clock. Only the executor (src/reconcile/user-reconciler.ts) calls
 * GitLab; the CLI `plan` prints plans; dry run records them.
 *
 * A plan is one of:
 * - apply: GitLab operations in order (none = nothing to do), with notes for the admin;
 * - observe: look these up in GitLab first, then plan again with what was found;
 * - conflict: a person must decide (two candidates, a candidate linked to someone else…); nothing changes.
 *
 * Linking before creating (issue 10 §4). Candidates are tried by identity (provider + extern_uid), then
 * primary email, then username. To keep an initial sync at one GitLab call per new user, a user with no
 * link is first created outright (when create_users is on): GitLab refuses a create exactly when the
 * email, the username or the identity is taken, i.e. whenever a candidate might exist, and only then
 * are the candidates looked up (the executor reports the refusal in `observed.refusals`). A candidate
 * linked to another live SCIM user, or to any SCIM user of another connection, is a conflict; one linked
 * to a deleted SCIM user of the same connection is taken over (re-creating a deleted user). A username
 * holder that cannot be linked is a collision: the next suffixed username is used. A create repeated
 * after a crash (GitLab made the user, the bridge did not record it) is refused like any other, and the
 * identity lookup finds the user it made: linked by identity.
 *
 * Deprovisioning (active false, or deleted) follows the policy (block, deactivate, ban, none), plus
 * revoke_tokens and, on deletion, delete_gitlab_users. Reactivation undoes only what the bridge itself
 * set (stateByBridge); an account blocked by someone else, or ldap_blocked, is left as it is and noted.
 * The executor records stateByBridge as an intent before its block call (syncState pending until the
 * pass settles synced), so a stateByBridge on a link that is not synced may not have reached GitLab:
 * the call is made again (idempotent; its `null` answer then counts as the bridge's own block).
 *
 * A full pass (drift repair) observes the linked account first (`observed.linked`): a leaver the
 * bridge deprovisioned found active again (someone unblocked it) is deprovisioned again, marked as
 * drift; an account GitLab no longer has is recorded as gone ("forget"), and a live, active SCIM user
 * whose account is gone is a conflict for a person (the bridge does not silently make a second one).
 */
import type { ConnectionSettings } from "../connections/settings";
import { baseUsername, usernameCandidate } from "./gitlab-username";
import type { AppliedUser, BridgeUserState, DesiredUser, LinkMethod } from "./gitlab-user-state";

/** A GitLab user as the planner needs it (a subset of GitLab's admin user entity). */
export interface GitLabAccount {
  id: number;
  username: string;
  name: string;
  email?: string;
  state: string;
  identities?: { provider: string; extern_uid: string }[];
}

/** A GitLab user found in this pass, and the SCIM user the bridge has linked it to, if any. */
export interface ObservedAccount extends GitLabAccount {
  holder: { scimUserId: string; connectionId: string; tombstone: boolean; stateByBridge: BridgeUserState | null } | null;
}

/** Why GitLab refused a create (contract §1.2: 409 email, 409 username, 400 identities.extern_uid). */
export type RefusalReason = "email" | "username" | "identity";

export interface Observed {
  /** The holder of the user's identity; undefined: not looked up. */
  byIdentity?: ObservedAccount | null;
  /** Users whose primary email is the user's; undefined: not looked up. */
  byEmail?: ObservedAccount[];
  /** By lower-cased username: its holder, or null for a free username. */
  byUsername?: Record<string, ObservedAccount | null>;
  /** Creates GitLab refused in this pass. */
  refusals?: { username: string; reason: RefusalReason }[];
  /** A full pass: the linked account's state in GitLab, or null when GitLab no longer has it; undefined: not looked at. */
  linked?: { state: string } | null;
}

export interface Identity {
  provider: string;
  externUid: string;
}

export type UserOp =
  | { op: "create"; username: string; name: string; email: string; identity: Identity }
  | { op: "link"; method: LinkMethod; account: GitLabAccount; identity: Identity | null; takeoverFrom: string | null; stateByBridge: BridgeUserState | null }
  | { op: "update"; gitlabUserId: number; name?: string; email?: string; identity?: Identity }
  | { op: "block" | "deactivate" | "ban"; gitlabUserId: number; /** A full pass found the account in this GitLab state, not the one the bridge set. */ drift?: string }
  | { op: "unblock" | "activate" | "unban"; gitlabUserId: number }
  | { op: "forget"; gitlabUserId: number }
  | { op: "revoke_tokens"; gitlabUserId: number }
  | { op: "delete"; gitlabUserId: number; hard: boolean };

export interface Lookups {
  identity: boolean;
  email: boolean;
  usernames: string[];
}

export type Plan = { kind: "apply"; ops: UserOp[]; notes: string[] } | { kind: "observe"; lookups: Lookups } | { kind: "conflict"; reason: string };

/** Only the policy parts of a connection's settings matter to planning. */
export type PlanSettings = Pick<ConnectionSettings, "deprovision" | "revokeTokens" | "createUsers" | "identityProvider" | "externUidFrom" | "deleteGitLabUsers">;

const UNDO: Record<BridgeUserState, "unblock" | "activate" | "unban"> = { blocked: "unblock", deactivated: "activate", banned: "unban" };
/** The call that sets a state the bridge recorded (again: an intent not yet confirmed, or drift). */
const SET: Record<BridgeUserState, "block" | "deactivate" | "ban"> = { blocked: "block", deactivated: "deactivate", banned: "ban" };
/** GitLab states in which a user cannot sign in. */
const NOT_ACTIVE = new Set(["blocked", "deactivated", "banned", "ldap_blocked", "blocked_pending_approval"]);
/** How many suffixed usernames a pass tries before it gives up. */
const MAX_USERNAME_TRIES = 20;

/** GitLab's `name`: displayName, else given and family name, else the userName. */
export function gitlabNameOf(desired: DesiredUser): string {
  const parts = [desired.givenName, desired.familyName].filter((s): s is string => !!s && s.trim() !== "");
  return desired.displayName?.trim() || parts.join(" ") || desired.userName;
}

/** The identity GitLab should hold for this user, or null when the SCIM attribute that feeds it is missing. */
export function identityOf(desired: DesiredUser, settings: PlanSettings): Identity | null {
  const source = settings.externUidFrom === "externalId" ? desired.externalId : settings.externUidFrom === "userName" ? desired.userName : desired.scimUserId;
  return source ? { provider: settings.identityProvider, externUid: source } : null;
}

export function planUser(desired: DesiredUser, applied: AppliedUser | null, settings: PlanSettings, observed: Observed = {}): Plan {
  if (applied?.gitlabUserId != null) return planLinked(desired, applied, applied.gitlabUserId, settings, observed);
  if (desired.deletedAt) return nothing("the SCIM user is deleted and was never linked to a GitLab user");
  if (!desired.active) return nothing("the SCIM user is inactive and not linked to a GitLab user: nothing to create");
  return planUnlinked(desired, settings, observed);
}

function nothing(note?: string): Plan {
  return { kind: "apply", ops: [], notes: note ? [note] : [] };
}

function planLinked(desired: DesiredUser, applied: AppliedUser, id: number, settings: PlanSettings, observed: Observed): Plan {
  const live = !desired.deletedAt && desired.active;
  if (observed.linked === null && !applied.gitlabDeletedAt) {
    return { kind: "apply", ops: [{ op: "forget", gitlabUserId: id }], notes: [`GitLab user ${id} no longer exists`] };
  }
  if (applied.gitlabDeletedAt) {
    if (live) return { kind: "conflict", reason: `GitLab user @${applied.gitlabUsername ?? id} (${id}) no longer exists: it was deleted outside the bridge` };
    return nothing(`GitLab user ${id} no longer exists`);
  }
  const ops: UserOp[] = [];
  const update = profileUpdate(desired, settings, id, {
    name: applied.appliedName,
    email: applied.appliedEmail,
    identity: applied.appliedProvider && applied.appliedExternUid ? { provider: applied.appliedProvider, externUid: applied.appliedExternUid } : null,
  });
  if (desired.deletedAt || !desired.active) {
    ops.push(...deprovision(applied, id, settings, !!desired.deletedAt, observed.linked?.state));
    if (update && !desired.deletedAt) ops.push(update);
  } else {
    if (applied.stateByBridge) ops.push({ op: UNDO[applied.stateByBridge], gitlabUserId: id });
    if (update) ops.push(update);
  }
  return { kind: "apply", ops, notes: [] };
}

function deprovision(applied: Pick<AppliedUser, "stateByBridge" | "tokensRevokedAt" | "syncState">, id: number, settings: PlanSettings, deleted: boolean, observedState: string | undefined): UserOp[] {
  const ops: UserOp[] = [];
  if (settings.deprovision !== "none") {
    if (!applied.stateByBridge) ops.push({ op: settings.deprovision, gitlabUserId: id });
    else if (observedState === "active") ops.push({ op: SET[applied.stateByBridge], gitlabUserId: id, drift: observedState });
    else if (applied.syncState !== "synced" && observedState === undefined) ops.push({ op: SET[applied.stateByBridge], gitlabUserId: id });
    if (settings.revokeTokens && !applied.tokensRevokedAt) ops.push({ op: "revoke_tokens", gitlabUserId: id });
  }
  if (deleted && settings.deleteGitLabUsers !== "never") ops.push({ op: "delete", gitlabUserId: id, hard: settings.deleteGitLabUsers === "hard" });
  return ops;
}

/** The PUT that brings name, email and identity to the desired values; null when they already are. */
function profileUpdate(desired: DesiredUser, settings: PlanSettings, id: number, current: { name: string | null; email: string | null; identity: Identity | null }): UserOp | null {
  const op: Extract<UserOp, { op: "update" }> = { op: "update", gitlabUserId: id };
  const name = gitlabNameOf(desired);
  if (name !== current.name) op.name = name;
  if (desired.email && desired.email.toLowerCase() !== current.email?.toLowerCase()) op.email = desired.email;
  const identity = identityOf(desired, settings);
  if (identity && (identity.provider !== current.identity?.provider || identity.externUid !== current.identity.externUid)) op.identity = identity;
  return op.name !== undefined || op.email !== undefined || op.identity !== undefined ? op : null;
}

function planUnlinked(desired: DesiredUser, settings: PlanSettings, observed: Observed): Plan {
  const identity = identityOf(desired, settings);
  if (!identity) return { kind: "conflict", reason: `the SCIM user has no ${settings.externUidFrom}, which feeds the GitLab identity (extern_uid_from = ${settings.externUidFrom})` };
  if (!desired.email) return { kind: "conflict", reason: "the SCIM user has no email address, and GitLab needs one" };
  const base = baseUsername(desired.userName);
  const refusals = observed.refusals ?? [];
  const usernames = observed.byUsername ?? {};

  // Create first: a refusal is what tells the executor that candidates may exist.
  if (observed.byIdentity === undefined && settings.createUsers && refusals.length === 0) return create(desired, identity, base, usernames, refusals);
  if (observed.byIdentity === undefined || observed.byEmail === undefined || !(base.toLowerCase() in usernames)) {
    return { kind: "observe", lookups: { identity: observed.byIdentity === undefined, email: observed.byEmail === undefined, usernames: base.toLowerCase() in usernames ? [] : [base] } };
  }

  if (observed.byIdentity) return link(desired, settings, observed.byIdentity, "identity", identity);
  if (observed.byEmail.length > 1) {
    return { kind: "conflict", reason: `${observed.byEmail.length} GitLab users have the email ${desired.email} (${observed.byEmail.map((u) => `@${u.username}`).join(", ")})` };
  }
  if (observed.byEmail.length === 1) {
    const candidate = observed.byEmail[0];
    const other = otherIdentity(candidate, identity);
    // A candidate linked to someone else is reported as such (link() says so), whatever identity it holds.
    if (other && linkable(candidate, desired)) return { kind: "conflict", reason: `GitLab user @${candidate.username} has the email ${desired.email} but another ${identity.provider} identity (${other})` };
    return link(desired, settings, candidate, "email", identity);
  }
  const holder = usernames[base.toLowerCase()];
  if (holder && !otherIdentity(holder, identity) && linkable(holder, desired)) return link(desired, settings, holder, "username", identity);

  if (refusals.some((r) => r.reason === "email")) {
    return { kind: "conflict", reason: `GitLab refuses the email ${desired.email} as taken, but no GitLab user has it as primary email (another user's secondary email?)` };
  }
  if (refusals.some((r) => r.reason === "identity")) {
    return { kind: "conflict", reason: `GitLab refuses the identity ${identity.provider}/${identity.externUid} as taken, but no GitLab user was found with it` };
  }
  if (!settings.createUsers) return { kind: "conflict", reason: "no GitLab user matches (identity, email, username) and create_users is off" };
  return create(desired, identity, base, usernames, refusals);
}

/** The create with the first username not known to be taken (observed holder, or refused in this pass). */
function create(desired: DesiredUser, identity: Identity, base: string, usernames: Record<string, ObservedAccount | null>, refusals: Observed["refusals"] & object): Plan {
  for (let n = 0; n < MAX_USERNAME_TRIES; n++) {
    const username = usernameCandidate(base, n);
    const key = username.toLowerCase();
    if (usernames[key] || refusals.some((r) => r.reason === "username" && r.username.toLowerCase() === key)) continue;
    return { kind: "apply", ops: [{ op: "create", username, name: gitlabNameOf(desired), email: desired.email!, identity }], notes: [] };
  }
  return { kind: "conflict", reason: `the usernames ${base} to ${usernameCandidate(base, MAX_USERNAME_TRIES - 1)} are all taken in GitLab` };
}

/** The extern_uid of another identity of our provider the account holds, or null. */
function otherIdentity(account: GitLabAccount, identity: Identity): string | null {
  const ours = (account.identities ?? []).find((i) => i.provider === identity.provider);
  return ours && ours.extern_uid.toLowerCase() !== identity.externUid.toLowerCase() ? ours.extern_uid : null;
}

/** Free, held by this very user, or held by a deleted SCIM user of the same connection (taken over). */
function linkable(account: ObservedAccount, desired: DesiredUser): boolean {
  const h = account.holder;
  return !h || h.scimUserId === desired.scimUserId || (h.tombstone && h.connectionId === desired.connectionId);
}

function link(desired: DesiredUser, settings: PlanSettings, account: ObservedAccount, method: LinkMethod, identity: Identity): Plan {
  const h = account.holder;
  if (!linkable(account, desired)) {
    const whose = h!.connectionId === desired.connectionId ? `SCIM user ${h!.scimUserId}` : `a SCIM user of another connection (${h!.scimUserId})`;
    return { kind: "conflict", reason: `GitLab user @${account.username} (matched by ${method}) is already linked to ${whose}` };
  }
  const takeover = h && h.scimUserId !== desired.scimUserId ? h : null;
  const stateByBridge = takeover?.stateByBridge ?? null;
  const held = (account.identities ?? []).find((i) => i.provider === identity.provider);
  const ops: UserOp[] = [
    {
      op: "link",
      method,
      account: { id: account.id, username: account.username, name: account.name, email: account.email, state: account.state, identities: account.identities },
      identity: held ? { provider: held.provider, externUid: held.extern_uid } : null,
      takeoverFrom: takeover?.scimUserId ?? null,
      stateByBridge,
    },
  ];
  const notes: string[] = [];
  // Only live, active users are linked (planUser): linking is the start of a reactivation at most.
  if (stateByBridge) ops.push({ op: UNDO[stateByBridge], gitlabUserId: account.id });
  else if (NOT_ACTIVE.has(account.state)) notes.push(`GitLab user @${account.username} is ${account.state} and the bridge did not set that: left as it is`);
  const update = profileUpdate(desired, settings, account.id, { name: account.name, email: account.email ?? null, identity: held ? { provider: held.provider, externUid: held.extern_uid } : null });
  if (update) ops.push(update);
  return { kind: "apply", ops, notes };
}
