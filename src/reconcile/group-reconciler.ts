/**
 * One pass of a SCIM group's reconciler (subject "group"), as a visible list of steps:
 *   load     the group (tombstones too), its connection's settings, the mappings matching it and the
 *            targets it fed before: one statement (find-group-subject.ts);
 *   subgroup only for an unmapped group with unmappedGroups "create": record the intent (target row +
 *            the group's unmapped mapping), then make the subgroup under unmappedParent; a taken path is
 *            either ours (a repeat after a crash: its description names this SCIM group → recorded) or
 *            someone else's (→ the next candidate path, path-2, path-3 …);
 *   settle   ScimGroupFeed := the targets the group matches now, every target fed now or before
 *            marked (their passes make the memberships), and the queue transition: one statement
 *            (settle-group.ts).
 * Mostly database work: GitLab is called only for the unmapped group's subgroup. A deleted SCIM group's
 * targets are marked so that its members leave them; a subgroup the bridge made is never deleted.
 *
 * Dry run: the feeds and marks are made (the targets' passes are dry runs too), a subgroup to create is
 * recorded as a "gitlab.plan" event and the item held until dry run ends.
 */
import { readSettings, type ConnectionSettings } from "../connections/settings";
import { SqlParams } from "../db/sql-params";
import { GitLabError } from "../gitlab/errors";
import { createSubgroup, type SubgroupCreation } from "../gitlab/groups";
import type { GitLabGroup } from "../gitlab/types";
import { ACCESS_LEVELS } from "../provisioning/access-levels";
import { candidatePath, describesScimGroup, gitlabGroupNameOf, gitlabPathOf, subgroupDescription } from "../provisioning/gitlab-group-path";
import { findGroupSubject, type GroupMatch, type GroupSubject } from "../provisioning/sql/find-group-subject";
import type { GroupPassContext } from "../provisioning/sql/group-pass-pieces";
import { recordSubgroupIntentSql } from "../provisioning/sql/unmapped-subgroup-intent";
import { recordSubgroupCreatedSql, recordSubgroupMovedSql } from "../provisioning/sql/unmapped-subgroup-recorded";
import type { OutcomeEvent } from "../provisioning/sql/user-link-pieces";
import type { GitLabCallDetails } from "./gitlab-call-log";
import type { Claim, QueueItem } from "./queue";
import { completeSql } from "./sql/complete";
import { failSql } from "./sql/fail";
import { holdSql } from "./sql/hold";
import { parkSql } from "./sql/park";
import { settleGroupSql } from "./sql/settle-group";
import type { PassDeps, PassOutcome } from "./pass";

/** Candidate paths tried before the pass gives up (path, path-2 … path-50): a person must look then. */
const MAX_CANDIDATES = 50;
const MAX_ERROR_LENGTH = 2_000;

/** A failure a person must resolve (no free path); the item is parked, not retried. */
class ConflictStop extends Error {}
/** A failure retrying cannot fix until the configuration changes (the parent group is missing). */
class ParkStop extends Error {}

/** What the pass must do about an unmapped group's subgroup: nothing, or make it (an intent may exist). */
export function subgroupWork(subject: GroupSubject, settings: ConnectionSettings): { target: GroupMatch | null } | null {
  if (subject.deletedAt !== null) return null;
  const unmapped = subject.matches.find((m) => m.origin === "unmapped");
  // An intent recorded before a crash (or a failed attempt) is carried out whatever the mode is now.
  if (unmapped) return unmapped.createdByBridge && unmapped.gitlabGroupId === null ? { target: unmapped } : null;
  if (settings.unmappedGroups !== "create" || settings.unmappedParent === null) return null;
  return subject.matches.some((m) => m.origin === "rule") ? null : { target: null };
}

export async function reconcileGroup(deps: PassDeps, claim: Claim, signal?: AbortSignal): Promise<PassOutcome> {
  const calls: GitLabCallDetails[] = [];
  return deps.callLog.collect(calls, () => new GroupPass(deps, claim, calls, signal).run());
}

class GroupPass {
  private readonly gitlab;

  constructor(
    private readonly deps: PassDeps,
    private readonly claim: Claim,
    private readonly calls: GitLabCallDetails[],
    private readonly signal: AbortSignal | undefined,
  ) {
    this.gitlab = signal ? deps.gitlab.with({ signal }) : deps.gitlab;
  }

  /** The context of the next write: it takes the calls made since the last one. */
  private ctx(): GroupPassContext {
    return { connectionId: this.claim.connectionId, scimGroupId: this.claim.subjectId, requestId: this.claim.requestId, now: this.deps.now(), calls: this.calls.splice(0) };
  }

  /** Runs one write with the calls made since the last; on failure the calls stay for the next write. */
  private async write<Row>(build: (p: SqlParams, ctx: GroupPassContext) => string): Promise<Row[]> {
    const ctx = this.ctx();
    const p = new SqlParams();
    try {
      return await this.deps.runner.query<Row>(build(p, ctx), p.values);
    } catch (error) {
      this.calls.unshift(...(ctx.calls as GitLabCallDetails[]));
      throw error;
    }
  }

  async run(): Promise<PassOutcome> {
    const subject = await findGroupSubject(this.deps.runner, this.claim.subjectId);
    if (!subject) {
      // The group row is gone altogether (its connection was deleted): nothing left to reconcile.
      await this.settle("complete");
      return "gone";
    }
    let settings: ConnectionSettings;
    try {
      settings = readSettings(subject.storedSettings);
    } catch (error) {
      await this.settle("park", { error: `connection "${subject.connectionName}" has invalid settings: ${(error as Error).message}` });
      return "failed";
    }
    const work = subgroupWork(subject, settings);
    if (work && (this.deps.dryRun || settings.dryRun)) {
      const path = work.target?.fullPath ?? `${settings.unmappedParent}/${gitlabPathOf(subject.displayName)}`;
      await this.settle("hold", { event: { action: "gitlab.plan", details: { plan: { kind: "create_subgroup", fullPath: path, name: gitlabGroupNameOf(subject.displayName, path.split("/").pop()!) }, dryRun: this.deps.dryRun ? "DRY_RUN" : "connection" } } });
      return "dry_run";
    }
    try {
      if (work) await this.makeSubgroup(subject, settings, work.target);
      await this.settle("complete");
      return "synced";
    } catch (error) {
      return this.settleError(error);
    }
  }

  /** Records the intent (unless recorded before), then makes or finds the subgroup; throws what ends the pass otherwise. */
  private async makeSubgroup(subject: GroupSubject, settings: ConnectionSettings, recorded: GroupMatch | null): Promise<void> {
    const base = gitlabPathOf(subject.displayName);
    const target = recorded ?? (await this.recordIntent(subject, settings, base));
    const parentPath = target.fullPath.slice(0, target.fullPath.lastIndexOf("/"));
    const findParent = async () => {
      const found = await this.deps.parentGroups.find(this.gitlab, parentPath);
      if (!found) throw new ParkStop(`the parent group ${parentPath} (unmappedParent) does not exist in GitLab or the token cannot see it; create it or change --unmapped-parent`);
      return found;
    };
    let parent = await findParent();
    let fullPath = target.fullPath;
    for (let n = 2, lookedAgain = false; ; ) {
      const path = fullPath.slice(fullPath.lastIndexOf("/") + 1);
      const name = gitlabGroupNameOf(subject.displayName, path);
      let creation: SubgroupCreation;
      try {
        creation = await createSubgroup(this.gitlab, { parent, path, name, description: subgroupDescription(subject.id) });
      } catch (error) {
        // contract §3: 404 for an unknown parent_id: the remembered parent is gone; look it up again, once.
        if (lookedAgain || !(error instanceof GitLabError && error.status === 404)) throw error;
        this.deps.parentGroups.forget(parentPath);
        parent = await findParent();
        lookedAgain = true;
        continue;
      }
      if (creation.outcome === "created") return this.recordCreated(target.targetId, creation.group, { action: "gitlab.group.created", details: { gitlabGroupId: creation.group.id, fullPath: creation.group.full_path, name } });
      if (creation.existing && describesScimGroup(creation.existing.description, subject.id)) {
        return this.recordCreated(target.targetId, creation.existing, {
          action: "gitlab.group.linked",
          details: { gitlabGroupId: creation.existing.id, fullPath: creation.existing.full_path, note: "the create had already been carried out: the group's description names this SCIM group" },
        });
      }
      // contract §3: the path is taken (400, not 409) by a group that is not this SCIM group's.
      const taken = { fullPath, gitlabGroupId: creation.existing?.id ?? null };
      ({ fullPath, n } = await this.moveTo(target.targetId, parentPath, base, n, taken));
      n++;
    }
  }

  private async recordIntent(subject: GroupSubject, settings: ConnectionSettings, base: string): Promise<GroupMatch> {
    for (let n = 1; n <= MAX_CANDIDATES; n++) {
      const fullPath = `${settings.unmappedParent}/${candidatePath(base, n)}`;
      const [row] = await this.write<{ targetId: string; fullPath: string }>((p, ctx) =>
        recordSubgroupIntentSql(p, { connectionId: ctx.connectionId, scimGroupId: subject.id, fullPath, accessLevel: ACCESS_LEVELS[settings.unmappedAccess], requestId: ctx.requestId, now: ctx.now }),
      );
      // No row: another target of the connection (an admin's rule) names that path already.
      if (row) return { mappingId: "", origin: "unmapped", accessLevel: ACCESS_LEVELS[settings.unmappedAccess], targetId: row.targetId, fullPath: row.fullPath, gitlabGroupId: null, createdByBridge: true };
    }
    throw new ConflictStop(`no free path for the subgroup of SCIM group "${subject.displayName}": ${settings.unmappedParent}/${base} … -${MAX_CANDIDATES} are all taken by other mappings`);
  }

  /** The next candidate path from n on that no other target holds; the collision is audited. */
  private async moveTo(targetId: string, parentPath: string, base: string, from: number, taken: { fullPath: string; gitlabGroupId: number | null }): Promise<{ fullPath: string; n: number }> {
    for (let n = from; n <= MAX_CANDIDATES; n++) {
      const fullPath = `${parentPath}/${candidatePath(base, n)}`;
      if (fullPath.toLowerCase() === taken.fullPath.toLowerCase()) continue;
      const rows = await this.write((p, ctx) =>
        recordSubgroupMovedSql(p, ctx, targetId, fullPath, { action: "gitlab.group.path_taken", details: { taken: taken.fullPath, takenBy: taken.gitlabGroupId, next: fullPath } }),
      );
      if (rows.length > 0) return { fullPath, n };
    }
    throw new ConflictStop(`no free path for a subgroup under ${parentPath}: ${base} … ${candidatePath(base, MAX_CANDIDATES)} are all taken in GitLab`);
  }

  private async recordCreated(targetId: string, group: GitLabGroup, event: OutcomeEvent): Promise<void> {
    await this.write((p, ctx) => recordSubgroupCreatedSql(p, ctx, targetId, group.id, event));
  }

  private async settleError(error: unknown): Promise<PassOutcome> {
    if (error instanceof ConflictStop) {
      await this.settle("park", { error: error.message, event: { action: "gitlab.group.conflict", details: { reason: error.message } } });
      return "conflict";
    }
    if (this.signal?.aborted) return "released"; // the worker releases the claim
    if (error instanceof ParkStop || (error instanceof GitLabError && error.kind === "permanent")) {
      const status = error instanceof GitLabError ? error.status : undefined;
      await this.settle("park", { error: error.message, event: { action: "gitlab.group.failed", details: { error: error.message, ...(status ? { status } : {}) } } });
      return "failed";
    }
    const message = error instanceof Error ? error.message : String(error);
    const retryAfterMs = error instanceof GitLabError ? error.retryAfterMs : null;
    const item = await this.settle("fail", { error: message, retryAfterMs });
    // Not GitLab's answer (a bug, the database): counted as a failed attempt, and the worker logs it.
    if (!(error instanceof GitLabError)) throw error;
    return item?.state === "parked" ? "failed" : "retry";
  }

  private async settle(transition: "complete" | "fail" | "park" | "hold", s: { error?: string; event?: OutcomeEvent; retryAfterMs?: number | null } = {}): Promise<QueueItem | null> {
    const error = (s.error ?? "").slice(0, MAX_ERROR_LENGTH);
    const [item] = await this.write<QueueItem>((p, ctx) => {
      const transitionSql =
        transition === "complete"
          ? completeSql(p, this.claim, ctx.now)
          : transition === "hold"
            ? holdSql(p, this.claim, ctx.now)
            : transition === "park"
              ? parkSql(p, this.claim, error, ctx.now)
              : failSql(p, this.claim, { error, notBefore: s.retryAfterMs == null ? null : new Date(ctx.now.getTime() + s.retryAfterMs) }, this.deps.policy, ctx.now);
      return settleGroupSql(p, ctx, { transitionSql, event: s.event });
    });
    return item ?? null;
  }
}
