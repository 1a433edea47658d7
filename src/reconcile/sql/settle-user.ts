/**
 * The end of a user's reconcile pass, one statement: the queue transition that ends the claim
 * (complete, fail, park or hold; see queue.ts), the link's syncState and lastError as the admins and
 * the IdP see them (user-link-sync-state.ts), the call events not yet written and the pass's outcome
 * event. The link and the outcome event are written only while the claim was still the worker's (the
 * transition returned the item): a worker that lost its lease changes nothing but the call log.
 *
 * The syncState follows where the item ends: done → synced; parked → the pass's verdict (failed or
 * conflict); pending (a retry to come, a mark that came meanwhile, dry run) → pending.
 */
import type { SqlParams } from "../../db/sql-params";
import { userLinkSyncStateSql } from "../../provisioning/sql/user-link-sync-state";
import { linkEventsSql, type LinkWriteContext, type OutcomeEvent } from "../../provisioning/sql/user-link-pieces";

export interface UserSettlement {
  /** The queue transition (completeSql, failSql, parkSql or holdSql), an UPDATE … RETURNING the item. */
  transitionSql: string;
  /** syncState when the item ends parked. */
  parkedAs: "failed" | "conflict";
  lastError: string | null;
  event?: OutcomeEvent;
  /** Write the event only when the item ends parked (a retryable failure's budget was spent). */
  eventOnlyIfParked?: boolean;
}

export function settleUserSql(p: SqlParams, ctx: LinkWriteContext, s: UserSettlement): string {
  const state = `CASE (SELECT "state" FROM q) WHEN 'done' THEN 'synced' WHEN 'parked' THEN '${s.parkedAs}' ELSE 'pending' END`;
  return `WITH q AS (${s.transitionSql}),
    q_parked AS (SELECT 1 FROM q WHERE "state" = 'parked'),
    l AS (${userLinkSyncStateSql(p, ctx, { syncStateSql: state, lastError: s.lastError }, "q", ctx.now)}),
    ${linkEventsSql(p, ctx, s.eventOnlyIfParked ? "q_parked" : "q", s.event)}
    done AS (SELECT 1)
    SELECT * FROM q`;
}
