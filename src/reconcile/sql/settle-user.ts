/**
 * The end of a user's reconcile pass, one statement: the queue transition that ends the claim
 * (complete, fail, park or hold; see queue.ts); the link row (user-link-write.ts): the pass's last
 * record of what GitLab confirmed, if any, and the syncState and lastError as the admins and the IdP
 * see them; the marks of the user's GitLab groups when the user's memberships must follow (below);
 * the call events not yet written, the last record's outcome event and the pass's outcome event.
 * The last record and the call events are written whatever became of the claim (GitLab answered);
 * the rest only while the claim was still the worker's (the transition returned the item): a worker
 * that lost its lease changes nothing else.
 *
 * The syncState follows where the item ends: done → synced; parked → the pass's verdict (failed or
 * conflict); pending (a retry to come, a mark that came meanwhile, dry run) → pending.
 *
 * Memberships (issue 11): when the user was linked in this pass, or its desired active-ness (active
 * and not deleted) differs from the one its memberships were last marked for (appliedActive), the
 * GitLab groups it concerns (targetsOfUserSql) are marked — with offboarding priority when the user
 * leaves, so a leaver's memberships go before a bulk import's — and appliedActive is set. A target
 * already due and not yet claimed is left as it is (skipDuePending): its pass reads the new link.
 */
import type { SqlParams } from "../../db/sql-params";
import { markTargetsSql, targetsOfUserSql } from "../../provisioning/sql/group-targets";
import { linkEventListSql, type LinkWriteContext, type OutcomeEvent } from "../../provisioning/sql/user-link-pieces";
import { userLinkWriteSql, type LinkRecord } from "../../provisioning/sql/user-link-write";

export interface UserSettlement {
  /** The queue transition (completeSql, failSql, parkSql or holdSql), an UPDATE … RETURNING the item. */
  transitionSql: string;
  /** syncState when the item ends parked. */
  parkedAs: "failed" | "conflict";
  lastError: string | null;
  event?: OutcomeEvent;
  /** Write the event only when the item ends parked (a retryable failure's budget was spent). */
  eventOnlyIfParked?: boolean;
  /** The pass's last record of what GitLab confirmed, not written yet, and its outcome event. */
  record?: { record: LinkRecord; event?: OutcomeEvent };
  /** Mark the user's GitLab groups for this desired active-ness (and remember it as appliedActive). */
  marks?: { active: boolean };
}

export function settleUserSql(p: SqlParams, ctx: LinkWriteContext, s: UserSettlement): string {
  const state = `CASE (SELECT "state" FROM q) WHEN 'done' THEN 'synced' WHEN 'parked' THEN '${s.parkedAs}' ELSE 'pending' END`;
  const link = userLinkWriteSql(p, ctx, ctx.now, s.record?.record ?? null, { guard: "q", syncStateSql: state, lastError: s.lastError, appliedActive: s.marks?.active });
  const marks = s.marks
    ? `marks AS (${markTargetsSql(p, `(SELECT t."id" FROM (${targetsOfUserSql(p, ctx.scimUserId)}) t WHERE EXISTS (SELECT 1 FROM q))`, { connectionId: ctx.connectionId, requestId: ctx.requestId, offboarding: !s.marks.active, skipDuePending: true }, ctx.now)}),`
    : "";
  const events = [
    ...(s.record?.event ? [{ event: s.record.event, written: "l" }] : []),
    ...(s.event ? [{ event: s.event, written: s.eventOnlyIfParked ? "q_parked" : "q" }] : []),
  ];
  return `WITH q AS (${s.transitionSql}),
    q_parked AS (SELECT 1 FROM q WHERE "state" = 'parked'),
    l AS (${link}),
    ${marks}
    ${linkEventListSql(p, ctx, events)}
    done AS (SELECT 1)
    SELECT * FROM q`;
}
