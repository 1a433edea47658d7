/**
 * What every applied-state write of a GitLab group's (target's) memberships shares, as user-link-pieces.ts
 * is for users: the "gitlab.call" events of the calls made since the last write (one per exchange,
 * unconditionally: the calls happened) and then the write's outcome events ("gitlab.membership.added",
 * ".removed"…, one per membership, written only if the write itself happened: `written`, a CTE name, or
 * null when unconditional). Actor "reconciler", subject the target (subjectType "gitlab_group"),
 * requestId the mark's. recordTargetEvents writes events alone (drift findings, unmanaged members).
 */
import { auditInsertSql } from "../../audit/audit";
import { SqlParams } from "../../db/sql-params";
import type { SqlRunner } from "../../db/sql-runner";
import { RECONCILER_ACTOR, type OutcomeEvent } from "./user-link-pieces";

export type { OutcomeEvent } from "./user-link-pieces";

export interface TargetWriteContext {
  connectionId: string;
  targetId: string;
  requestId: string | null;
  now: Date;
  /** Details of the "gitlab.call" events not yet written (the executor's buffer). */
  calls: readonly object[];
}

/** A CTE (with a trailing comma) writing the call events, then the outcome events, in order; "" when there is nothing. */
export function targetEventsSql(p: SqlParams, ctx: TargetWriteContext, written: string | null, events: readonly OutcomeEvent[]): string {
  if (ctx.calls.length === 0 && events.length === 0) return "";
  const rows: string[] = [];
  if (ctx.calls.length > 0) rows.push(`SELECT c.ordinality AS "ord", 'gitlab.call' AS "action", c.value AS "details" FROM jsonb_array_elements(${p.json(ctx.calls)}) WITH ORDINALITY c`);
  if (events.length > 0) {
    rows.push(`SELECT 1e9 + e.ordinality AS "ord", e.value->>'action' AS "action", e.value->'details' AS "details" FROM jsonb_array_elements(${p.json(events)}) WITH ORDINALITY e
      ${written ? `WHERE EXISTS (SELECT 1 FROM ${written})` : ""}`);
  }
  const source = `(SELECT ${p.add(ctx.targetId)}::text AS "id", e."action", e."details" FROM (${rows.join(" UNION ALL ")}) e ORDER BY e."ord")`;
  const entry = { at: ctx.now, connectionId: ctx.connectionId, actor: RECONCILER_ACTOR, action: "", actionSql: `s."action"`, subjectType: "gitlab_group", requestId: ctx.requestId ?? undefined, detailsSql: `s."details"` };
  return `target_events AS (${auditInsertSql(p, source, entry)}),`;
}

/** Events alone (and the pending call events), one statement. */
export async function recordTargetEvents(runner: SqlRunner, ctx: TargetWriteContext, events: readonly OutcomeEvent[]): Promise<void> {
  const p = new SqlParams();
  const events_ = targetEventsSql(p, ctx, null, events);
  if (events_ === "") return;
  await runner.query(`WITH ${events_} done AS (SELECT 1) SELECT 1 AS "ok"`, p.values);
}
