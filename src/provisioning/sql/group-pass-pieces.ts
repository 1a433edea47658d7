/**
 * What the writes of a SCIM group's pass share (see user-link-pieces.ts for the user's): the
 * "gitlab.call" events of the calls made since the last write, then at most one outcome event that
 * exists only if the write itself happened. Actor "reconciler", subject the SCIM group, requestId the
 * mark's.
 */
import { auditInsertSql } from "../../audit/audit";
import type { SqlParams } from "../../db/sql-params";
import { RECONCILER_ACTOR, type OutcomeEvent } from "./user-link-pieces";

export interface GroupPassContext {
  connectionId: string;
  scimGroupId: string;
  requestId: string | null;
  now: Date;
  /** Details of the "gitlab.call" events not yet written (the pass's buffer). */
  calls: readonly object[];
}

/** A CTE (with a trailing comma) writing the call events, then the outcome event; "" when there is nothing to write. */
export function groupPassEventsSql(p: SqlParams, ctx: GroupPassContext, written: string | null, event: OutcomeEvent | undefined): string {
  if (ctx.calls.length === 0 && !event) return "";
  const rows: string[] = [];
  if (ctx.calls.length > 0) rows.push(`SELECT c.ordinality AS "ord", 'gitlab.call' AS "action", c.value AS "details" FROM jsonb_array_elements(${p.json(ctx.calls)}) WITH ORDINALITY c`);
  if (event) rows.push(`SELECT 1e9 AS "ord", ${p.add(event.action)}::text AS "action", ${p.json(event.details)} AS "details"${written ? ` WHERE EXISTS (SELECT 1 FROM ${written})` : ""}`);
  const source = `(SELECT ${p.add(ctx.scimGroupId)}::text AS "id", e."action", e."details" FROM (${rows.join(" UNION ALL ")}) e ORDER BY e."ord")`;
  const entry = { at: ctx.now, connectionId: ctx.connectionId, actor: RECONCILER_ACTOR, action: "", actionSql: `s."action"`, subjectType: "group", requestId: ctx.requestId ?? undefined, detailsSql: `s."details"` };
  return `group_events AS (${auditInsertSql(p, source, entry)}),`;
}
