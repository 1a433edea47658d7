/**
 * The plan of a GitLab group's (a GitLabGroupTarget's) memberships, pure: desired memberships, the ones
 * the bridge manages (applied), the conflicts standing from earlier passes and, when GitLab was read,
 * what it holds (observed) in; the GitLab operations that make the managed memberships equal the
 * desired ones out. No I/O: the target reconciler makes the look-ups a plan asks for and plans again.
 *
 * Desired (desiredMemberships): every linked member of every live SCIM group a rule of the target
 * matches, active (or any active-ness when removeMemberships is off), at the highest level any of its
 * rules grants; it expires only if every granting rule at that level expires, on today + the longest
 * expiresInDays (issue 11 item 1). A managed membership remembers the number of days its expiry was set
 * for: when a rule's days change, the expiry is set again from today; days merely passing change nothing.
 *
 * Ownership (issue 11 item 3): only managed memberships are changed or removed. A user the bridge would
 * add is observed first (a multi-user add would silently change a hand-made level, contract Addenda):
 * already a direct member at the desired level → adopted; at another level → a level_mismatch conflict,
 * unless a rule of the target is authoritative (then its level is changed and it becomes managed).
 * A managed membership no longer desired is removed; with skip_subresources=false when its user left
 * (inactive or deleted: issue 11 item 5), so their subgroup and project memberships go too.
 *
 * A full pass (drift repair, issue 11 item 6) observes every direct member: a managed membership
 * missing is re-added, one at another level is put back, members the bridge does not manage are
 * reported as unmanaged (and removed when a rule is authoritative).
 *
 * Conflicts that only a write attempt can re-check (inherited, user_missing, other) are carried over
 * by a normal pass while the desired level is the one they were found at, so one refusing user does not
 * turn every later batch into single adds; a full pass tries them again.
 */

/** Why a membership the bridge would make or change is not made (GitLabMembershipConflict.kind). */
export type MembershipConflictKind = "level_mismatch" | "inherited" | "last_owner" | "user_missing" | "other";

/** One (rule, SCIM group) grant to one linked user, as the target's load reads it. */
export interface MembershipGrant {
  gitlabUserId: number;
  scimUserId: string;
  /** The SCIM user is active (deleted users are never granted anything). */
  active: boolean;
  accessLevel: number;
  expiresInDays: number | null;
}

export interface DesiredMembership {
  gitlabUserId: number;
  scimUserId: string;
  accessLevel: number;
  /** YYYY-MM-DD, or null: does not expire. */
  expiresAt: string | null;
  /** The rule's days expiresAt was computed from (null: does not expire). */
  expiresInDays: number | null;
}

/** A membership the bridge manages (GitLabMembership). */
export interface AppliedMembership {
  gitlabUserId: number;
  scimUserId: string | null;
  accessLevel: number;
  expiresAt: string | null;
  /** The rule's days the bridge set expiresAt for; null when it set none or took GitLab's (adopted). */
  expiresInDays: number | null;
  origin: "created" | "adopted";
  /** Its SCIM user is inactive or deleted (or gone): removing it cascades (skip_subresources=false). */
  leaver: boolean;
}

export interface StandingConflict {
  gitlabUserId: number;
  scimUserId: string | null;
  kind: MembershipConflictKind;
  desiredLevel: number | null;
  observedLevel: number | null;
  message: string;
}

export interface ObservedMember {
  gitlabUserId: number;
  username?: string;
  accessLevel: number;
  expiresAt: string | null;
}

/** Direct members GitLab reported: every one (complete, a full pass) or those among the asked users. */
export interface Observation {
  complete: boolean;
  members: ReadonlyMap<number, ObservedMember>;
}

export interface TargetState {
  desired: readonly DesiredMembership[];
  applied: readonly AppliedMembership[];
  conflicts: readonly StandingConflict[];
  /** A rule of the target is authoritative: unmanaged members go, hand-made levels are corrected. */
  authoritative: boolean;
  /** Drift repair: read every direct member of the group. */
  full: boolean;
}

export interface PlannedAdd {
  gitlabUserId: number;
  scimUserId: string;
  /** A managed membership GitLab no longer has (drift): added again. */
  readd: boolean;
}

/** Users added in one call: one level, one expiry, at most MAX_BATCH ids. */
export interface AddBatch {
  accessLevel: number;
  expiresAt: string | null;
  expiresInDays: number | null;
  members: PlannedAdd[];
}

export interface Adoption {
  gitlabUserId: number;
  scimUserId: string;
  accessLevel: number;
  /** GitLab's expiry, kept. */
  expiresAt: string | null;
  /** The rule's days when GitLab's expiry is the one the rule gives today, else null. */
  expiresInDays: number | null;
}

export interface LevelChange {
  gitlabUserId: number;
  scimUserId: string;
  /** The level GitLab holds (observed) or the bridge applied. */
  from: number;
  to: number;
  /** The new expiry; undefined leaves GitLab's as it is. */
  expiresAt?: string | null;
  /** The rule's days the membership's expiry stands for after the change (AppliedMembership.expiresInDays). */
  expiresInDays: number | null;
  /** rule: the rules changed; drift: GitLab's level moved away from the managed one; adopt: an authoritative rule takes over a hand-made membership. */
  reason: "rule" | "drift" | "adopt";
}

export interface Removal {
  gitlabUserId: number;
  scimUserId: string | null;
  /** false: a member the bridge does not manage, removed because a rule is authoritative. */
  managed: boolean;
  /** skip_subresources=false: the user left, their subgroup and project memberships go too. */
  cascade: boolean;
}

export type DriftFinding = { gitlabUserId: number; kind: "missing" } | { gitlabUserId: number; kind: "level"; applied: number; observed: number };

export type MembershipPlan =
  | { kind: "observe_members"; userIds: number[] | "all" }
  | {
      kind: "memberships";
      adds: AddBatch[];
      adoptions: Adoption[];
      updates: LevelChange[];
      removals: Removal[];
      /** Conflicts found by observation, and standing ones carried over: the target's conflicts after the pass, unless execution finds more. */
      conflicts: StandingConflict[];
      /** Managed memberships already gone from GitLab and not desired any more: only the record goes. */
      forgotten: number[];
      /** Direct members the bridge does not manage (full pass only; null otherwise). */
      unmanaged: number[] | null;
      drift: DriftFinding[];
      /** Planned without observing GitLab (dry run, `plan`): adds may turn into adoptions or conflicts. */
      offline: boolean;
    };

/** User ids per add and per look-up: GitLab documents no limit for user_id lists (unconfirmed). */
export const MAX_BATCH = 100;

/** Kinds a normal pass carries over unchanged instead of trying the add again. */
const RETRIED_ONLY_WHEN_FULL: ReadonlySet<MembershipConflictKind> = new Set(["inherited", "user_missing", "other"]);

const DAY_MS = 86_400_000;

/** The desired memberships of a target from its grants (see the module paragraph). */
export function desiredMemberships(grants: readonly MembershipGrant[], settings: { removeMemberships: boolean }, today: Date): DesiredMembership[] {
  const best = new Map<number, { scimUserId: string; level: number; days: number | null }>();
  for (const g of grants) {
    if (!g.active && settings.removeMemberships) continue;
    const current = best.get(g.gitlabUserId);
    if (!current || g.accessLevel > current.level) {
      best.set(g.gitlabUserId, { scimUserId: g.scimUserId, level: g.accessLevel, days: g.expiresInDays });
    } else if (g.accessLevel === current.level && current.days !== null) {
      // Any grant at that level without expiry wins; else the longest expiry.
      current.days = g.expiresInDays === null ? null : Math.max(current.days, g.expiresInDays);
    }
  }
  const day = Math.floor(today.getTime() / DAY_MS) * DAY_MS;
  return [...best.entries()]
    .sort(([a], [b]) => a - b)
    .map(([gitlabUserId, b]) => ({
      gitlabUserId,
      scimUserId: b.scimUserId,
      accessLevel: b.level,
      expiresAt: b.days === null ? null : new Date(day + b.days * DAY_MS).toISOString().slice(0, 10),
      expiresInDays: b.days,
    }));
}

/**
 * The plan for a target. Without `observation` it asks for one (the candidates' membership, or every
 * member on a full pass) unless `offline`, which plans adds for every candidate without asking.
 */
export function planMemberships(state: TargetState, observation?: Observation, options: { offline?: boolean } = {}): MembershipPlan {
  const offline = options.offline === true;
  const applied = new Map(state.applied.map((a) => [a.gitlabUserId, a]));
  const standing = new Map(state.conflicts.map((c) => [c.gitlabUserId, c]));
  const desired = new Map(state.desired.map((d) => [d.gitlabUserId, d]));

  const conflicts: StandingConflict[] = [];
  const candidates: DesiredMembership[] = [];
  for (const d of state.desired) {
    if (applied.has(d.gitlabUserId)) continue;
    const c = standing.get(d.gitlabUserId);
    if (!state.full && c && RETRIED_ONLY_WHEN_FULL.has(c.kind) && c.desiredLevel === d.accessLevel) conflicts.push(c);
    else candidates.push(d);
  }

  if (!offline && observation === undefined) {
    if (state.full) return { kind: "observe_members", userIds: "all" };
    if (candidates.length > 0) return { kind: "observe_members", userIds: candidates.map((c) => c.gitlabUserId) };
  }
  const observed = observation?.members ?? new Map<number, ObservedMember>();
  const complete = observation?.complete === true;

  const adds: PlannedAdd[] = [];
  const addInfo = new Map<number, DesiredMembership>();
  const adoptions: Adoption[] = [];
  const updates: LevelChange[] = [];
  const removals: Removal[] = [];
  const forgotten: number[] = [];
  const drift: DriftFinding[] = [];
  const takenOver = new Set<number>();

  for (const d of candidates) {
    const o = observed.get(d.gitlabUserId);
    if (!o) {
      adds.push({ gitlabUserId: d.gitlabUserId, scimUserId: d.scimUserId, readd: false });
      addInfo.set(d.gitlabUserId, d);
    } else if (o.accessLevel === d.accessLevel) {
      adoptions.push({ gitlabUserId: d.gitlabUserId, scimUserId: d.scimUserId, accessLevel: o.accessLevel, expiresAt: o.expiresAt, expiresInDays: o.expiresAt !== null && o.expiresAt === d.expiresAt ? d.expiresInDays : null });
      takenOver.add(d.gitlabUserId);
    } else if (state.authoritative) {
      updates.push({ gitlabUserId: d.gitlabUserId, scimUserId: d.scimUserId, from: o.accessLevel, to: d.accessLevel, expiresAt: d.expiresAt, expiresInDays: d.expiresInDays, reason: "adopt" });
      takenOver.add(d.gitlabUserId);
    } else {
      conflicts.push({
        gitlabUserId: d.gitlabUserId,
        scimUserId: d.scimUserId,
        kind: "level_mismatch",
        desiredLevel: d.accessLevel,
        observedLevel: o.accessLevel,
        message: `${who(o)} is a direct member at level ${o.accessLevel} that the bridge did not set; the rules grant ${d.accessLevel}`,
      });
    }
  }

  for (const a of state.applied) {
    const d = desired.get(a.gitlabUserId);
    const o = complete ? observed.get(a.gitlabUserId) : undefined;
    const missing = complete && !o;
    if (!d) {
      if (missing) forgotten.push(a.gitlabUserId);
      else removals.push({ gitlabUserId: a.gitlabUserId, scimUserId: a.scimUserId, managed: true, cascade: a.leaver });
      continue;
    }
    if (missing) {
      drift.push({ gitlabUserId: a.gitlabUserId, kind: "missing" });
      adds.push({ gitlabUserId: a.gitlabUserId, scimUserId: d.scimUserId, readd: true });
      addInfo.set(a.gitlabUserId, d);
      continue;
    }
    const current = o ? o.accessLevel : a.accessLevel;
    if (o && o.accessLevel !== a.accessLevel) drift.push({ gitlabUserId: a.gitlabUserId, kind: "level", applied: a.accessLevel, observed: o.accessLevel });
    // An expiry gained or lost, or set for another number of days than the rules give now.
    const expiryChanged = (a.expiresAt === null) !== (d.expiresAt === null) || (a.expiresAt !== null && a.expiresInDays !== null && a.expiresInDays !== d.expiresInDays);
    if (current !== d.accessLevel || expiryChanged) {
      const reason = o && o.accessLevel !== a.accessLevel ? "drift" : "rule";
      updates.push({ gitlabUserId: a.gitlabUserId, scimUserId: d.scimUserId, from: current, to: d.accessLevel, ...(expiryChanged ? { expiresAt: d.expiresAt, expiresInDays: d.expiresInDays } : { expiresInDays: a.expiresInDays }), reason });
    }
  }

  let unmanaged: number[] | null = null;
  if (complete) {
    unmanaged = [...observed.keys()].filter((id) => !applied.has(id) && !takenOver.has(id)).sort((x, y) => x - y);
    if (state.authoritative) {
      for (const id of unmanaged) if (!desired.has(id)) removals.push({ gitlabUserId: id, scimUserId: null, managed: false, cascade: false });
    }
  }

  return { kind: "memberships", adds: batches(adds, addInfo), adoptions, updates, removals, conflicts, forgotten, unmanaged, drift, offline };
}

/** Adds grouped by (level, expiry) in batches of at most MAX_BATCH, in user id order. */
function batches(adds: PlannedAdd[], info: ReadonlyMap<number, DesiredMembership>): AddBatch[] {
  const groups = new Map<string, AddBatch>();
  for (const add of [...adds].sort((x, y) => x.gitlabUserId - y.gitlabUserId)) {
    const d = info.get(add.gitlabUserId)!;
    const key = `${d.accessLevel}|${d.expiresAt ?? ""}`;
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { accessLevel: d.accessLevel, expiresAt: d.expiresAt, expiresInDays: d.expiresInDays, members: [] }));
    group.members.push(add);
  }
  const out: AddBatch[] = [];
  for (const g of groups.values()) {
    for (let i = 0; i < g.members.length; i += MAX_BATCH) out.push({ accessLevel: g.accessLevel, expiresAt: g.expiresAt, expiresInDays: g.expiresInDays, members: g.members.slice(i, i + MAX_BATCH) });
  }
  return out;
}

function who(o: ObservedMember): string {
  return o.username ? `@${o.username} (#${o.gitlabUserId})` : `GitLab user #${o.gitlabUserId}`;
}

/** How many memberships the plan removes: what the mass-change guard counts. */
export function removalCount(plan: MembershipPlan): number {
  return plan.kind === "memberships" ? plan.removals.length : 0;
}

/** One line per operation, for people (`plan`, dry run). */
export function describeMembershipPlan(plan: MembershipPlan): string[] {
  if (plan.kind === "observe_members") return [plan.userIds === "all" ? "read every direct member of the group (drift repair)" : `look up which of ${plan.userIds.length} users are direct members already`];
  const lines: string[] = [];
  for (const b of plan.adds) {
    const ids = b.members.map((m) => `#${m.gitlabUserId}${m.readd ? " (re-added: missing in GitLab)" : ""}`).join(", ");
    lines.push(`add at level ${b.accessLevel}${b.expiresAt ? ` until ${b.expiresAt}` : ""}: ${ids}`);
  }
  if (plan.offline && plan.adds.length) lines.push("(each add is looked up first: a user already a member at that level is adopted, at another level reported)");
  for (const a of plan.adoptions) lines.push(`adopt #${a.gitlabUserId} at level ${a.accessLevel} (already a member)`);
  for (const u of plan.updates) lines.push(`change #${u.gitlabUserId} from level ${u.from} to ${u.to}${u.reason === "drift" ? " (drift: put back)" : u.reason === "adopt" ? " (authoritative rule)" : ""}`);
  for (const r of plan.removals) lines.push(`remove #${r.gitlabUserId}${r.managed ? "" : " (unmanaged; a rule is authoritative)"}${r.cascade ? " with its subgroup and project memberships (the user left)" : ""}`);
  for (const c of plan.conflicts) lines.push(`conflict ${c.kind} #${c.gitlabUserId}: ${c.message}`);
  if (plan.unmanaged && plan.unmanaged.length) lines.push(`${plan.unmanaged.length} members the bridge does not manage: ${plan.unmanaged.map((id) => `#${id}`).join(", ")}`);
  if (lines.length === 0) lines.push("nothing to do");
  return lines;
}
