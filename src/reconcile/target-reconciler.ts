/**
 * One pass of a GitLab group's (a GitLabGroupTarget's) reconciler, for a claim the worker holds: it makes
 * the group's managed memberships equal the desired ones (issue 11). A visible list of steps:
 *   load     target, settings, grants, managed memberships, conflicts: one statement (find-target-subject.ts);
 *   resolve  the GitLab group's id from its full path on first use (404 → parked: failed, with a sentence);
 *   plan     planMemberships (pure); it asks to observe first: which candidates are direct members
 *            already (GET members?user_ids=…, ≤100 per call), or on a full pass every direct member;
 *   guard    removals beyond the connection's threshold hold the pass until an admin decides
 *            (mass-change-guard.ts; an approved hold lets it through);
 *   execute  adoptions, adds batched per (level, expiry) with a fallback to single adds that finds the
 *            culprit of a failed batch, level changes, removals (members_delete paced by the client);
 *            each outcome recorded with its audit event as soon as GitLab answers;
 *   settle   queue transition + target syncState (synced | conflict | failed | pending): one statement.
 * Every GitLab exchange of the pass becomes a "gitlab.call" audit event with the next write.
 *
 * Dry run: the plan is made offline (no look-ups, no calls), recorded as "gitlab.plan", and the item is
 * held until dry run ends, as for users.
 */
import type { SqlRunner } from "../db/sql-runner";
import { readSettings, massChangeThreshold, type ConnectionSettings } from "../connections/settings";
import { SqlParams } from "../db/sql-params";
import type { GitLabClient } from "../gitlab/client";
import { GitLabError } from "../gitlab/errors";
import { findGroupByFullPath } from "../gitlab/groups";
import { addMember, addMembers, editMemberLevel, findDirectMember, findDirectMembers, GitLabGroupNotFound, listMembers, removeMember } from "../gitlab/members";
import type { GitLabMember } from "../gitlab/types";
import {
  desiredMemberships,
  planMemberships,
  type AddBatch,
  type DesiredMembership,
  type LevelChange,
  type MembershipPlan,
  type Observation,
  type PlannedAdd,
  type Removal,
  type StandingConflict,
  type TargetState,
} from "../provisioning/gitlab-membership-plan";
import { findTargetSubject, type TargetSubject } from "../provisioning/sql/find-target-subject";
import { countLinkedUsers } from "../provisioning/sql/linked-users";
import { recordMembershipConflicts } from "../provisioning/sql/membership-conflict";
import { recordTargetEvents, type OutcomeEvent, type TargetWriteContext } from "../provisioning/sql/membership-pieces";
import { recordMembershipsRemoved } from "../provisioning/sql/membership-removed";
import { recordMembershipsUpserted, type ManagedMembership } from "../provisioning/sql/membership-upserted";
import { recordTargetGone } from "../provisioning/sql/target-gone";
import { recordTargetResolved } from "../provisioning/sql/target-resolved";
import type { GitLabCallDetails } from "./gitlab-call-log";
import { guardMassChange } from "./mass-change-guard";
import type { Claim, QueueItem } from "./queue";
import { completeSql } from "./sql/complete";
import { failSql } from "./sql/fail";
import { holdSql } from "./sql/hold";
import { parkSql } from "./sql/park";
import { settleTargetSql, targetHeldSql, type TargetSettlement } from "./sql/settle-target";
import type { PassDeps, PassOutcome } from "./pass";

const MAX_ERROR_LENGTH = 2_000;
/** Conflicts named in the target's lastError; the rest are counted. */
const CONFLICTS_NAMED = 5;

/** The level and expiry an add gives (a batch's or one desired membership's). */
type Grant = Pick<AddBatch, "accessLevel" | "expiresAt" | "expiresInDays">;

/** Ends the pass with the target parked as failed (a GitLab group that cannot be found). */
class TargetStop extends Error {}

export async function reconcileTarget(deps: PassDeps, claim: Claim, signal?: AbortSignal): Promise<PassOutcome> {
  const calls: GitLabCallDetails[] = [];
  return deps.callLog.collect(calls, () => new TargetPass(deps, claim, calls, signal).run());
}

/** The plan of a target as `plan` and dry run show it: offline, from desired and applied state only. */
export function planTargetOffline(subject: TargetSubject, settings: ConnectionSettings, now: Date, full = false): MembershipPlan {
  return planMemberships(targetState(subject, settings, now, full), undefined, { offline: true });
}

/**
 * What a full pass of the target would do, read from GitLab but changing nothing (`reconcile --full
 * --dry-run`): every direct member listed and planned against desired and applied state. Null when the
 * target has no resolved GitLab group yet (its first pass resolves it).
 */
export async function planTargetFull(runner: SqlRunner, gitlab: GitLabClient, targetId: string, settings: ConnectionSettings, now: Date): Promise<{ subject: TargetSubject; plan: MembershipPlan | "group_gone" } | null> {
  const subject = await findTargetSubject(runner, targetId);
  if (!subject || subject.gitlabGroupId === null) return null;
  let members: GitLabMember[];
  try {
    members = await listMembers(gitlab, subject.gitlabGroupId);
  } catch (error) {
    if (error instanceof GitLabGroupNotFound) return { subject, plan: "group_gone" };
    throw error;
  }
  const plan = planMemberships(targetState(subject, settings, now, true), { complete: true, members: new Map(members.map((m) => [m.id, observedOf(m)])) });
  return { subject, plan };
}

function targetState(subject: TargetSubject, settings: ConnectionSettings, now: Date, full: boolean): TargetState {
  return { desired: desiredMemberships(subject.grants, settings, now), applied: subject.applied, conflicts: subject.conflicts, authoritative: subject.authoritative, full };
}

class TargetPass {
  private readonly gitlab: GitLabClient;
  /** Conflicts standing after the pass, by GitLab user id. */
  private readonly conflicts = new Map<number, StandingConflict>();
  private desired = new Map<number, DesiredMembership>();
  private authoritative = false;

  constructor(
    private readonly deps: PassDeps,
    private readonly claim: Claim,
    private readonly calls: GitLabCallDetails[],
    private readonly signal: AbortSignal | undefined,
  ) {
    this.gitlab = signal ? deps.gitlab.with({ signal }) : deps.gitlab;
  }

  /** The context of the next write: it takes the calls made since the last one. */
  private ctx(): TargetWriteContext {
    return { connectionId: this.claim.connectionId, targetId: this.claim.subjectId, requestId: this.claim.requestId, now: this.deps.now(), calls: this.calls.splice(0) };
  }

  /** `afterGone`: the run that follows groupGone, which resolves the path again (once). */
  async run(afterGone = false): Promise<PassOutcome> {
    const subject = await findTargetSubject(this.deps.runner, this.claim.subjectId);
    if (!subject) {
      // The target is gone (its rules were removed with it, or its connection deleted): nothing to reconcile.
      await this.settle({ doneAs: "synced", lastError: null }, "complete");
      return "gone";
    }
    let settings: ConnectionSettings;
    try {
      settings = readSettings(subject.storedSettings);
    } catch (error) {
      await this.settle({ doneAs: "synced", lastError: `connection "${subject.connectionName}" has invalid settings: ${(error as Error).message}` }, "park");
      return "failed";
    }
    if (subject.gitlabGroupId === null && subject.createdByBridge) {
      // The SCIM group's pass is creating this subgroup: resolving its path now could find someone else's
      // group there (a collision it is about to step around). Its pass marks this target once the id is recorded.
      await this.settle({ doneAs: "synced", lastError: "waiting for the bridge to create this subgroup (the SCIM group's pass)" }, "complete");
      return "synced";
    }
    const state = targetState(subject, settings, this.deps.now(), this.claim.full);
    if (this.deps.dryRun || settings.dryRun) {
      const plan = planMemberships(state, undefined, { offline: true });
      await this.settle({ doneAs: "synced", lastError: null, event: { action: "gitlab.plan", details: { fullPath: subject.fullPath, plan: JSON.parse(JSON.stringify(plan)), dryRun: this.deps.dryRun ? "DRY_RUN" : "connection" } } }, "hold");
      return "dry_run";
    }
    this.desired = new Map(state.desired.map((d) => [d.gitlabUserId, d]));
    this.authoritative = state.authoritative;
    try {
      const groupId = subject.gitlabGroupId ?? (await this.resolve(subject.fullPath));
      let plan = planMemberships(state);
      if (plan.kind === "observe_members") plan = planMemberships(state, await this.observe(groupId, plan.userIds));
      if (plan.kind !== "memberships") throw new Error("the membership planner asked to observe twice");
      const held = await this.guard(plan, subject, settings);
      if (held) return "held";
      await this.execute(groupId, plan, subject);
      const standing = [...this.conflicts.values()];
      const lastError = standing.length === 0 ? null : conflictSummary(standing);
      await this.settle(
        { doneAs: standing.length ? "conflict" : "synced", lastError, conflictIds: standing.map((c) => c.gitlabUserId), ...(plan.unmanaged ? { unmanagedMembers: plan.unmanaged.length } : {}) },
        "complete",
      );
      return standing.length ? "conflict" : "synced";
    } catch (error) {
      if (error instanceof GitLabGroupNotFound && !afterGone && subject.gitlabGroupId === error.groupId) return this.groupGone(subject, error.groupId);
      return this.settleError(error);
    }
  }

  /**
   * The group id kept for the target answers 404 "Group Not Found" (deleted, or hidden from the token):
   * the id and the memberships the bridge managed there are forgotten, and the pass starts again: a
   * group mapped by path is looked up by its path (made again, it has a new id; missing, the pass parks
   * with a clear error), a subgroup the bridge made is made again by its SCIM group's pass.
   */
  private async groupGone(subject: TargetSubject, groupId: number): Promise<PassOutcome> {
    await recordTargetGone(this.deps.runner, this.ctx(), { gitlabGroupId: groupId, fullPath: subject.fullPath, managedUserIds: subject.applied.map((a) => a.gitlabUserId), remake: subject.createdByBridge });
    this.conflicts.clear();
    return this.run(true);
  }

  /** contract §3: GET /groups/:fullPath; 404 (missing, or the token cannot see it) parks the target. */
  private async resolve(fullPath: string): Promise<number> {
    const group = await findGroupByFullPath(this.gitlab, fullPath);
    if (!group) throw new TargetStop(`GitLab group ${fullPath} does not exist or the token cannot see it`);
    await recordTargetResolved(this.deps.runner, this.ctx(), group.id, fullPath);
    return group.id;
  }

  private async observe(groupId: number, userIds: number[] | "all"): Promise<Observation> {
    const members = userIds === "all" ? await listMembers(this.gitlab, groupId) : await findDirectMembers(this.gitlab, groupId, userIds);
    return { complete: userIds === "all", members: new Map(members.map((m) => [m.id, observedOf(m)])) };
  }

  /** issue 11 item 7: true when the pass was held (the claim has ended). */
  private async guard(plan: Extract<MembershipPlan, { kind: "memberships" }>, subject: TargetSubject, settings: ConnectionSettings): Promise<boolean> {
    const count = plan.removals.length;
    if (count <= settings.massChangeMinimum) return false; // within the threshold whatever the base
    const linkedUsers = await countLinkedUsers(this.deps.runner, subject.connectionId);
    const threshold = massChangeThreshold(settings, linkedUsers);
    const summary = `would remove ${count} memberships of ${subject.fullPath} (threshold ${threshold})`;
    const verdict = await guardMassChange(this.deps.runner, this.claim, { kind: "membership_removals", count, threshold, summary, counts: { linkedUsers } }, this.deps.now());
    if (verdict.verdict === "proceed") return false;
    const p = new SqlParams();
    await this.deps.runner.query(targetHeldSql(p, this.ctx(), summary), p.values);
    return true;
  }

  private async execute(groupId: number, plan: Extract<MembershipPlan, { kind: "memberships" }>, subject: TargetSubject): Promise<void> {
    const runner = this.deps.runner;
    for (const c of plan.conflicts) this.conflicts.set(c.gitlabUserId, c);
    const standing = new Map(subject.conflicts.map((c) => [c.gitlabUserId, c]));
    const found = plan.conflicts.filter((c) => !sameConflict(standing.get(c.gitlabUserId), c));
    if (found.length) await recordMembershipConflicts(runner, this.ctx(), found);

    const findings: OutcomeEvent[] = plan.drift.map((d) => ({ action: "gitlab.drift.membership", details: { ...d, fullPath: subject.fullPath } }));
    if (plan.unmanaged && plan.unmanaged.length) {
      findings.push({ action: "gitlab.membership.unmanaged", details: { fullPath: subject.fullPath, count: plan.unmanaged.length, gitlabUserIds: plan.unmanaged, authoritative: subject.authoritative } });
    }
    if (findings.length) await recordTargetEvents(runner, this.ctx(), findings);
    if (plan.forgotten.length) {
      await recordMembershipsRemoved(runner, this.ctx(), plan.forgotten, plan.forgotten.map((id) => ({ action: "gitlab.membership.forgotten", details: { gitlabUserId: id, reason: "gone from GitLab and no longer desired" } })));
    }
    if (plan.adoptions.length) {
      const rows = plan.adoptions.map((a): ManagedMembership => ({ ...a, origin: "adopted" }));
      await recordMembershipsUpserted(runner, this.ctx(), rows, plan.adoptions.map((a) => ({ action: "gitlab.membership.adopted", details: { gitlabUserId: a.gitlabUserId, scimUserId: a.scimUserId, accessLevel: a.accessLevel } })));
    }
    for (const batch of plan.adds) await this.addBatch(groupId, batch);
    for (const change of plan.updates) await this.update(groupId, change);
    for (const removal of plan.removals) await this.remove(groupId, removal);
  }

  /** contract §4.2/§4.3: one call for the batch; a 201 {"status":"error"} falls back to single adds. */
  private async addBatch(groupId: number, batch: AddBatch): Promise<void> {
    if (batch.members.length === 1) return this.addOne(groupId, batch.members[0], batch);
    try {
      await addMembers(this.gitlab, groupId, batch.members.map((m) => m.gitlabUserId), batch.accessLevel, batch.expiresAt);
    } catch (error) {
      if (!(error instanceof GitLabError && error.reason === "batch_error")) throw error;
      // Part of the batch may have been saved: single adds answer 409 for those and find the culprits.
      for (const m of batch.members) await this.addOne(groupId, m, batch);
      return;
    }
    await recordMembershipsUpserted(
      this.deps.runner,
      this.ctx(),
      batch.members.map((m) => ({ gitlabUserId: m.gitlabUserId, scimUserId: m.scimUserId, accessLevel: batch.accessLevel, expiresAt: batch.expiresAt, expiresInDays: batch.expiresInDays, origin: "created" })),
      batch.members.map((m) => addedEvent(m, batch.accessLevel, batch.expiresAt, "batch")),
    );
  }

  private async addOne(groupId: number, m: PlannedAdd, grant: Grant): Promise<void> {
    const { accessLevel, expiresAt, expiresInDays } = grant;
    let result: "created" | "exists";
    try {
      result = await addMember(this.gitlab, groupId, m.gitlabUserId, accessLevel, expiresAt);
    } catch (error) {
      return this.refused(error, m.gitlabUserId, m.scimUserId, accessLevel, null);
    }
    if (result === "created") {
      await recordMembershipsUpserted(this.deps.runner, this.ctx(), [{ gitlabUserId: m.gitlabUserId, scimUserId: m.scimUserId, accessLevel, expiresAt, expiresInDays, origin: "created" }], [addedEvent(m, accessLevel, expiresAt, "single")]);
      return;
    }
    // contract §4.3 rule 2: 409 "Member already exists". The user was not a member when observed, so at the
    // desired level it is this bridge's add (a failed batch saved it, or a repeat after a crash).
    const member = await findDirectMember(this.gitlab, groupId, m.gitlabUserId);
    if (member && member.access_level === accessLevel) {
      const kept = member.expires_at ?? null;
      const row: ManagedMembership = { gitlabUserId: m.gitlabUserId, scimUserId: m.scimUserId, accessLevel, expiresAt: kept, expiresInDays: kept !== null && kept === expiresAt ? expiresInDays : null, origin: "created" };
      await recordMembershipsUpserted(this.deps.runner, this.ctx(), [row], [addedEvent(m, accessLevel, kept, "already_member")]);
    } else if (member && this.authoritative) {
      await this.update(groupId, { gitlabUserId: m.gitlabUserId, scimUserId: m.scimUserId, from: member.access_level, to: accessLevel, expiresAt, expiresInDays, reason: "adopt" });
    } else if (member) {
      await this.conflict({ gitlabUserId: m.gitlabUserId, scimUserId: m.scimUserId, kind: "level_mismatch", desiredLevel: accessLevel, observedLevel: member.access_level, message: `@${member.username} (#${member.id}) is a direct member at level ${member.access_level} that the bridge did not set; the rules grant ${accessLevel}` });
    } else {
      await this.conflict({ gitlabUserId: m.gitlabUserId, scimUserId: m.scimUserId, kind: "other", desiredLevel: accessLevel, observedLevel: null, message: `GitLab answered "Member already exists" for #${m.gitlabUserId} but lists no such direct member` });
    }
  }

  /** contract §4.2 PUT: 404 → the member is gone (dropped, added again); 403 → last owner; 400 → inherited. */
  private async update(groupId: number, change: LevelChange): Promise<void> {
    let member: GitLabMember | null;
    try {
      member = await editMemberLevel(this.gitlab, groupId, change.gitlabUserId, change.to, change.expiresAt);
    } catch (error) {
      return this.refused(error, change.gitlabUserId, change.scimUserId, change.to, change.from);
    }
    if (!member) {
      await recordMembershipsRemoved(this.deps.runner, this.ctx(), [change.gitlabUserId], [{ action: "gitlab.membership.gone", details: { gitlabUserId: change.gitlabUserId, note: "not a member any more when its level was changed: added again" } }]);
      const d = this.desired.get(change.gitlabUserId);
      if (d) await this.addOne(groupId, { gitlabUserId: d.gitlabUserId, scimUserId: d.scimUserId, readd: true }, d);
      return;
    }
    const row: ManagedMembership = { gitlabUserId: change.gitlabUserId, scimUserId: change.scimUserId, accessLevel: member.access_level, expiresAt: member.expires_at ?? null, expiresInDays: change.expiresInDays, origin: change.reason === "adopt" ? "adopted" : "created" };
    await recordMembershipsUpserted(this.deps.runner, this.ctx(), [row], [{ action: "gitlab.membership.updated", details: { gitlabUserId: change.gitlabUserId, scimUserId: change.scimUserId, from: change.from, to: member.access_level, reason: change.reason, expiresAt: row.expiresAt } }]);
  }

  /** contract §4.4: 204/404 → gone; 403 → the last owner stays (a conflict); skip_subresources=false for a leaver. */
  private async remove(groupId: number, removal: Removal): Promise<void> {
    let result: "removed" | "not_member";
    try {
      result = await removeMember(this.gitlab, groupId, removal.gitlabUserId, { skipSubresources: !removal.cascade });
    } catch (error) {
      if (error instanceof GitLabError && error.status === 403) {
        return this.conflict({ gitlabUserId: removal.gitlabUserId, scimUserId: removal.scimUserId, kind: "last_owner", desiredLevel: null, observedLevel: null, message: `GitLab refuses to remove #${removal.gitlabUserId}: the last owner of a group cannot be removed (403)` });
      }
      throw error;
    }
    await recordMembershipsRemoved(this.deps.runner, this.ctx(), [removal.gitlabUserId], [
      { action: "gitlab.membership.removed", details: { gitlabUserId: removal.gitlabUserId, scimUserId: removal.scimUserId, managed: removal.managed, cascade: removal.cascade, result } },
    ]);
  }

  /** A permanent refusal of an add or a level change becomes a conflict (contract §4.3 rule 4, §4.4); anything else ends the pass. */
  private async refused(error: unknown, gitlabUserId: number, scimUserId: string | null, desiredLevel: number, observedLevel: number | null): Promise<void> {
    if (!(error instanceof GitLabError) || error.kind !== "permanent") throw error;
    const message = error.gitlabMessage ?? error.message;
    const base = { gitlabUserId, scimUserId, desiredLevel, observedLevel };
    if (error.status === 400 && /inherited membership/i.test(message)) return this.conflict({ ...base, kind: "inherited", message: `GitLab refuses level ${desiredLevel} for #${gitlabUserId}: ${message}` });
    if (error.status === 403 && observedLevel !== null) return this.conflict({ ...base, kind: "last_owner", message: `GitLab refuses to change the level of #${gitlabUserId}: the last owner of a group cannot be downgraded (403)` });
    if (error.status === 404) return this.conflict({ ...base, kind: "user_missing", message: `GitLab user #${gitlabUserId} does not exist (${message})` });
    return this.conflict({ ...base, kind: "other", message: `GitLab refused #${gitlabUserId}: ${message}` });
  }

  private async conflict(c: StandingConflict): Promise<void> {
    this.conflicts.set(c.gitlabUserId, c);
    await recordMembershipConflicts(this.deps.runner, this.ctx(), [c]);
  }

  private async settleError(error: unknown): Promise<PassOutcome> {
    // A group that cannot be found even after its path was looked up again is parked like a missing path.
    if (error instanceof TargetStop || error instanceof GitLabGroupNotFound) {
      await this.settle({ doneAs: "synced", lastError: error.message, event: { action: "gitlab.group.failed", details: { error: error.message } } }, "park");
      return "failed";
    }
    if (this.signal?.aborted) return "released"; // the worker releases the claim
    if (error instanceof GitLabError && error.kind === "permanent") {
      await this.settle({ doneAs: "synced", lastError: error.message, event: { action: "gitlab.group.failed", details: { error: error.message, status: error.status } } }, "park");
      return "failed";
    }
    const message = error instanceof Error ? error.message : String(error);
    const retryAfterMs = error instanceof GitLabError ? error.retryAfterMs : null;
    const item = await this.settle({ doneAs: "synced", lastError: message, event: { action: "gitlab.group.failed", details: { error: message, budgetSpent: true } }, eventOnlyIfParked: true }, "fail", retryAfterMs);
    // Not GitLab's answer (a bug, the database): counted as a failed attempt, and the worker logs it.
    if (!(error instanceof GitLabError)) throw error;
    return item?.state === "parked" ? "failed" : "retry";
  }

  private async settle(s: Omit<TargetSettlement, "transitionSql">, transition: "complete" | "fail" | "park" | "hold", retryAfterMs: number | null = null): Promise<QueueItem | null> {
    const ctx = this.ctx();
    const p = new SqlParams();
    const error = (s.lastError ?? "").slice(0, MAX_ERROR_LENGTH);
    const transitionSql =
      transition === "complete"
        ? completeSql(p, this.claim, ctx.now)
        : transition === "hold"
          ? holdSql(p, this.claim, ctx.now)
          : transition === "park"
            ? parkSql(p, this.claim, error, ctx.now)
            : // Retry-After counts from the moment the failure is recorded (lastErrorAt), not before it.
              failSql(p, this.claim, { error, notBefore: retryAfterMs === null ? null : new Date(ctx.now.getTime() + retryAfterMs) }, this.deps.policy, ctx.now);
    const statement = settleTargetSql(p, ctx, { ...s, transitionSql, lastError: s.lastError === null ? null : error });
    const [item] = await this.deps.runner.query<QueueItem>(statement, p.values);
    return item ?? null;
  }
}

function observedOf(m: GitLabMember) {
  return { gitlabUserId: m.id, username: m.username, accessLevel: m.access_level, expiresAt: m.expires_at ?? null };
}

function addedEvent(m: PlannedAdd, accessLevel: number, expiresAt: string | null, how: "batch" | "single" | "already_member"): OutcomeEvent {
  return { action: "gitlab.membership.added", details: { gitlabUserId: m.gitlabUserId, scimUserId: m.scimUserId, accessLevel, expiresAt, how, ...(m.readd ? { readded: true } : {}) } };
}

function sameConflict(a: StandingConflict | undefined, b: StandingConflict): boolean {
  return a !== undefined && a.kind === b.kind && a.desiredLevel === b.desiredLevel && a.observedLevel === b.observedLevel && a.message === b.message;
}

/** "N memberships in conflict: …", naming the first few. */
function conflictSummary(conflicts: StandingConflict[]): string {
  const named = conflicts.slice(0, CONFLICTS_NAMED).map((c) => `${c.kind}: ${c.message}`);
  const more = conflicts.length > CONFLICTS_NAMED ? `; and ${conflicts.length - CONFLICTS_NAMED} more` : "";
  return `${conflicts.length} membership${conflicts.length === 1 ? "" : "s"} in conflict: ${named.join("; ")}${more}`;
}
