/**
 * What every applied-state write of a user shares: the audit events it carries. A write records what
 * GitLab just answered, so it also writes the "gitlab.call" events of the calls made since the last
 * write (one per exchange, unconditionally: the calls happened), and at most one outcome event
 * ("gitlab.user.created", ".blocked"…) that exists only if the write itself happened (`written`: a
 * CTE name, or null when the event is unconditional). Actor "reconciler", subject the SCIM user,
 * requestId the mark's (the correlation id of the SCIM request that caused the work).
 */
import { auditInsertSql } from "../../audit/audit";
import type { SqlParams } from "../../db/sql-params";

export const RECONCILER_ACTOR = "reconciler";

export interface LinkWriteContext {
  connectionId: string;
  scimUserId: string;
  requestId: string | null;
  now: Date;
  /** Details of the "gitlab.call" events not yet written (the executor's buffer). */
  calls: readonly object[];
}

export interface OutcomeEvent {
  action: string;
  details: Record<string, unknown>;
}

/**
 * A CTE (with a trailing comma) writing the call events, then the outcome event, in that order (one
 * INSERT, so their ids follow the order things happened); "" when there is nothing to write.
 */
export function linkEventsSql(p: SqlParams, ctx: LinkWriteContext, written: string | null, event: OutcomeEvent | undefined): string {
  return linkEventListSql(p, ctx, event ? [{ event, written }] : []);
}

/** As linkEventsSql, with several outcome events, each written only if its `written` CTE has a row (null: always). */
export function linkEventListSql(p: SqlParams, ctx: LinkWriteContext, events: readonly { event: OutcomeEvent; written: string | null }[]): string {
  if (ctx.calls.length === 0 && events.length === 0) return "";
  const rows: string[] = [];
  if (ctx.calls.length > 0) rows.push(`SELECT c.ordinality AS "ord", 'gitlab.call' AS "action", c.value AS "details" FROM jsonb_array_elements(${p.json(ctx.calls)}) WITH ORDINALITY c`);
  events.forEach(({ event, written }, i) => {
    rows.push(`SELECT ${1e9 + i} AS "ord", ${p.add(event.action)}::text AS "action", ${p.json(event.details)} AS "details"${written ? ` WHERE EXISTS (SELECT 1 FROM ${written})` : ""}`);
  });
  const source = `(SELECT ${p.add(ctx.scimUserId)}::text AS "id", e."action", e."details" FROM (${rows.join(" UNION ALL ")}) e ORDER BY e."ord")`;
  const entry = { at: ctx.now, connectionId: ctx.connectionId, actor: RECONCILER_ACTOR, action: "", actionSql: `s."action"`, subjectType: "user", requestId: ctx.requestId ?? undefined, detailsSql: `s."details"` };
  return `link_events AS (${auditInsertSql(p, source, entry)}),`;
}
