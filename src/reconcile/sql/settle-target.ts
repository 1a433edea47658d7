/**
 * The end of a GitLab group's (target's) pass, one statement: the queue transition that ends the claim
 * (complete, fail, park or hold; queue.ts), the target's syncState, lastError and lastSyncedAt as admins
 * and the IdP see them, the call events not yet written and the pass's outcome event. The target is
 * written only while the claim was still the worker's (the transition returned the item).
 *
 * syncState follows where the item ends: done → synced, or conflict when memberships are in conflict
 * (the item completes all the same: a person resolves a conflict, retrying cannot); parked → failed;
 * pending (a retry to come, a mark meanwhile, dry run) → pending. A completed pass also drops the
 * conflicts it no longer found (`conflictIds`: those it found or carried over), and a completed full
 * pass records when it ran and how many members the bridge does not manage.
 */
import type { SqlParams } from "../../db/sql-params";
import { targetEventsSql, type OutcomeEvent, type TargetWriteContext } from "../../provisioning/sql/membership-pieces";

export interface TargetSettlement {
  /** The queue transition (completeSql, failSql, parkSql or holdSql), an UPDATE … RETURNING the item. */
  transitionSql: string;
  /** syncState when the item ends done. */
  doneAs: "synced" | "conflict";
  lastError: string | null;
  event?: OutcomeEvent;
  /** Write the event only when the item ends parked (a retryable failure's budget was spent). */
  eventOnlyIfParked?: boolean;
  /** A completed pass: the users whose conflicts stand (any other conflict row of the target is resolved). */
  conflictIds?: readonly number[];
  /** A completed full pass: members the bridge does not manage. */
  unmanagedMembers?: number;
}

export function settleTargetSql(p: SqlParams, ctx: TargetWriteContext, s: TargetSettlement): string {
  const at = p.timestamp(ctx.now);
  const target = p.uuid(ctx.targetId);
  const state = `(CASE (SELECT "state" FROM q) WHEN 'done' THEN ${p.add(s.doneAs)}::text WHEN 'parked' THEN 'failed' ELSE 'pending' END)::"GitLabSyncState"`;
  const done = `EXISTS (SELECT 1 FROM q WHERE "state" = 'done')`;
  const full = s.unmanagedMembers !== undefined;
  return `WITH q AS (${s.transitionSql}),
    q_parked AS (SELECT 1 FROM q WHERE "state" = 'parked'),
    t AS (UPDATE "GitLabGroupTarget" SET "syncState" = ${state}, "lastError" = ${p.add(s.lastError)}::text,
        "lastSyncedAt" = CASE WHEN ${done} THEN ${at} ELSE "lastSyncedAt" END,
        ${full ? `"lastFullPassAt" = CASE WHEN ${done} THEN ${at} ELSE "lastFullPassAt" END, "unmanagedMembers" = CASE WHEN ${done} THEN ${p.add(s.unmanagedMembers)}::int ELSE "unmanagedMembers" END,` : ""}
        "updatedAt" = ${at}
      WHERE "id" = ${target} AND EXISTS (SELECT 1 FROM q)),
    ${s.conflictIds ? `k AS (DELETE FROM "GitLabMembershipConflict" WHERE "targetId" = ${target} AND ${done} AND NOT ("gitlabUserId" = ANY(${p.add(s.conflictIds)}::int[]))),` : ""}
    ${targetEventsSql(p, ctx, s.eventOnlyIfParked ? "q_parked" : "q", s.event ? [s.event] : [])}
    done AS (SELECT 1)
    SELECT * FROM q`;
}

/**
 * The target's side of a mass-change hold: the guard's statement (hold-for-mass-change.ts) already ended
 * the claim and wrote "reconcile.held"; this shows the target as held with the numbers, and writes the
 * pending call events (the look-ups made before the guard). Only while the item waits on a hold.
 */
export function targetHeldSql(p: SqlParams, ctx: TargetWriteContext, summary: string): string {
  const at = p.timestamp(ctx.now);
  const target = p.uuid(ctx.targetId);
  return `WITH q AS (SELECT 1 FROM "ReconcileItem" WHERE "subjectType" = 'gitlab_group' AND "subjectId" = ${target} AND "holdId" IS NOT NULL AND "state" = 'pending'),
    t AS (UPDATE "GitLabGroupTarget" SET "syncState" = 'held', "lastError" = ${p.add(`held by the mass-change guard: ${summary}`)}::text, "updatedAt" = ${at}
      WHERE "id" = ${target} AND EXISTS (SELECT 1 FROM q)),
    ${targetEventsSql(p, ctx, null, [])}
    done AS (SELECT 1)
    SELECT 1 AS "ok"`;
}
